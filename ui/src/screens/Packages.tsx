import { useState } from "react";
import { api } from "../api";
import { ErrorNotice, Link, navigate, Status, useLoad, when } from "../components";
import type { Session } from "../session";

function Verification({ id }: { id: string }) {
  const detail = useLoad(() => api.package(id), [id]);
  if (detail.error) return <ErrorNotice error={detail.error} />;
  if (!detail.data) return <p>Loading…</p>;
  const d = detail.data;
  return (
    <div className="verification">
      <p>
        {d.signature.signature ? "Signed" : "Not signed"}
        {d.signature.signing_key_id && (
          <>
            {" "}
            by key <code>{d.signature.signing_key_id.slice(0, 16)}…</code>
          </>
        )}
        ; zip sha256 <code>{d.signature.zip_sha256 ?? "none"}</code>;{" "}
        {d.contract_tests.filter((t) => t.result === "pass").length} of {d.contract_tests.length} contract tests passed;{" "}
        {d.approvals.filter((a) => a.approved).length} approvals.
      </p>
      <table>
        <caption>Publications</caption>
        <thead>
          <tr>
            <th scope="col">connector</th>
            <th scope="col">status</th>
            <th scope="col">where</th>
            <th scope="col">when</th>
          </tr>
        </thead>
        <tbody>
          {d.publications.map((p) => (
            <tr key={p.id}>
              <td>
                <code>{p.marketplace_connector_id.slice(0, 8)}</code>
              </td>
              <td>
                <Status value={p.publication_status} />
              </td>
              <td>{p.url ?? p.error ?? ""}</td>
              <td>{when(p.published_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function PackagesScreen({ session }: { session: Session }) {
  const [status, setStatus] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  const page = useLoad(() => api.packages({ status: status || undefined, limit: 100 }), [status], 10000);
  return (
    <>
      <h1>Packages</h1>
      <label htmlFor="package-status">Status</label>{" "}
      <select id="package-status" value={status} onChange={(e) => setStatus(e.target.value)}>
        {["", "building", "awaiting_approval", "approved", "published", "rejected", "revoked", "failed"].map((s) => (
          <option key={s} value={s}>
            {s || "any"}
          </option>
        ))}
      </select>
      <ErrorNotice error={page.error} />
      <table data-testid="packages">
        <caption>Packages, newest first</caption>
        <thead>
          <tr>
            <th scope="col">plugin</th>
            <th scope="col">status</th>
            <th scope="col">platform</th>
            <th scope="col">created</th>
            <th scope="col">actions</th>
          </tr>
        </thead>
        <tbody>
          {(page.data?.items ?? []).map((p) => (
            <tr key={p.id}>
              <td>
                {p.slug} {p.version}
                {open === p.id && <Verification id={p.id} />}
              </td>
              <td>
                <Status value={p.status} />
                {p.revocation_reason && <div>revoked: {p.revocation_reason}</div>}
              </td>
              <td>{p.cms}</td>
              <td>{when(p.created_at)}</td>
              <td>
                <button type="button" className="secondary" onClick={() => setOpen(open === p.id ? null : p.id)}>
                  {open === p.id ? "Hide" : "Verification"}
                  <span className="visually-hidden">
                    {" "}
                    of {p.slug} {p.version}
                  </span>
                </button>{" "}
                {session.role === "admin" && p.status !== "revoked" && (
                  <Link to={`/packages/${p.id}/revoke`} label={`Revoke ${p.slug} ${p.version}`}>
                    Revoke
                  </Link>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

// Reached from the packages list by admins. The page does not hide itself from others: the API decides, and an ops
// user who opens this address sees the API's refusal as it words it.
export function RevokeScreen({ id }: { id: string }) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const pkg = useLoad(() => api.package(id), [id]);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const result = await api.revoke(id, reason);
      setDone(`Revoked; revocation list v${result.revocation_list_version} published.`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <h1>Revoke a package</h1>
      {pkg.data && (
        <p>
          {pkg.data.package.name} {pkg.data.package.version} · <Status value={pkg.data.package.status} />
        </p>
      )}
      <ErrorNotice error={error || pkg.error} />
      {done ? (
        <p role="status" data-testid="revoked">
          {done} <Link to="/packages">Back to packages</Link>
        </p>
      ) : (
        <form onSubmit={submit}>
          <label htmlFor="reason">Reason (published in revocations.json)</label>
          <textarea id="reason" required value={reason} onChange={(e) => setReason(e.target.value)} />
          <button type="submit" className="danger">
            Revoke
          </button>{" "}
          <button type="button" className="secondary" onClick={() => navigate("/packages")}>
            Back
          </button>
        </form>
      )}
    </>
  );
}
