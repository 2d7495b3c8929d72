import { api } from "../api";
import { ErrorNotice, Status, useLoad, when } from "../components";
import type { Session } from "../session";

export function KeysScreen({ session }: { session: Session }) {
  const keyset = useLoad(() => api.keys(), []);
  return (
    <>
      <h1>Signing keys</h1>
      <ErrorNotice error={keyset.error} />
      <table data-testid="keys">
        <caption>The keyset merchants verify against (keys.json): the active key first</caption>
        <thead>
          <tr>
            <th scope="col">key id</th>
            <th scope="col">status</th>
            <th scope="col">backend</th>
            <th scope="col">activated</th>
            <th scope="col">retired</th>
          </tr>
        </thead>
        <tbody>
          {(keyset.data?.keys ?? []).map((k) => (
            <tr key={k.key_id}>
              <td>
                <code title={k.key_id}>{k.key_id.slice(0, 16)}…</code>
              </td>
              <td>
                <Status value={k.status} />
              </td>
              <td>{k.backend}</td>
              <td>{when(k.activated_at)}</td>
              <td>{when(k.retired_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {session.role === "admin" && (
        <section aria-labelledby="rotation-title">
          <h2 id="rotation-title">Rotation</h2>
          <p>
            Keys rotate on the schedule (EventBridge Scheduler in AWS). An admin rotates now, or marks a key compromised,
            with <code>forge keys rotate</code> and <code>forge keys compromise KEY_ID --reason …</code>: the signer is
            not reachable from the API, on purpose.
          </p>
        </section>
      )}
    </>
  );
}
