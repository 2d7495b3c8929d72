import { useState } from "react";
import { api } from "../api";
import { ErrorNotice, Link, seconds, Status, useLoad, when } from "../components";
import type { Session } from "../session";
import type { ReviewView } from "../types";

const SPEC_FIELDS = ["name", "slug", "version", "platform", "api_base_url", "currencies", "payment_methods", "webhooks"];

function summarise(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function Decide({ review, session, onDone }: { review: ReviewView; session: Session; onDone: () => void }) {
  const request = review.approval_requests.find((r) => r.status === "pending");
  const [code, setCode] = useState("");
  const [comment, setComment] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<string | null>(null);
  const outcome = result && (
    <p role="status" data-testid="decision-result">
      {result}
    </p>
  );
  if (!request)
    return (
      <section aria-labelledby="decide-title" className="decide">
        <h2 id="decide-title">Your decision</h2>
        {outcome ?? <p>No decision is pending for this package.</p>}
      </section>
    );
  const own = request.requested_by === session.user;
  const already = review.approvals.some((a) => a.approver_id === session.user);
  const why = own
    ? `You requested this job (${request.requested_by}): another approver must decide.`
    : already
      ? "You already decided on this package."
      : null;
  const decide = async (approve: boolean) => {
    setError(null);
    try {
      const done = await api.decide(request.id, approve, code, comment);
      setResult(
        `${done.approval.approver_id} ${approve ? "approved" : "rejected"}; the request is ${done.request.status}` +
          (done.released ? " and the workflow was released." : "."),
      );
      setCode("");
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="decide-title" className="decide">
      <h2 id="decide-title">Your decision</h2>
      {why && (
        <p className="why" data-testid="cannot-decide">
          {why}
        </p>
      )}
      <ErrorNotice error={error} />
      {outcome}
      <form onSubmit={(e) => e.preventDefault()}>
        <label htmlFor="totp">Authenticator code (6 digits)</label>
        <input
          id="totp"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]{6}"
          maxLength={6}
          value={code}
          onChange={(e) => setCode(e.target.value.trim())}
          disabled={why !== null}
        />
        <label htmlFor="comment">Comment (recorded with the decision; required to reject)</label>
        <textarea id="comment" value={comment} onChange={(e) => setComment(e.target.value)} disabled={why !== null} />
        <button type="button" onClick={() => decide(true)} disabled={why !== null} title={why ?? undefined}>
          Approve
        </button>{" "}
        <button type="button" className="danger" onClick={() => decide(false)} disabled={why !== null} title={why ?? undefined}>
          Reject
        </button>
      </form>
    </section>
  );
}

export function ReviewScreen({ packageId, session }: { packageId: string; session: Session }) {
  const loaded = useLoad(() => api.review(packageId), [packageId], 10000);
  const review = loaded.data;
  if (!review) return <ErrorNotice error={loaded.error} />;
  const pkg = review.package;
  const tests = review.contract_tests;
  const failedTests = tests.filter((t) => t.result !== "pass" && t.result !== "skip");
  const run = (step: string) => review.runs.find((r) => r.step === step);
  const sandbox = run("sandbox");
  return (
    <>
      <h1>
        Review {pkg.name} {pkg.version}
      </h1>
      <ErrorNotice error={loaded.error} />
      <p>
        <Status value={pkg.status} /> · {pkg.cms} · built by {pkg.created_by} on {when(pkg.created_at)}
        {review.job && (
          <>
            {" "}
            · <Link to={`/jobs/${review.job.id}`}>job timeline</Link>
          </>
        )}
      </p>
      <div className="review-grid">
        <section aria-labelledby="spec-title">
          <h2 id="spec-title">Spec</h2>
          <dl>
            {SPEC_FIELDS.filter((f) => review.spec[f] !== undefined).map((f) => (
              <div key={f}>
                <dt>{f}</dt>
                <dd>{summarise(review.spec[f])}</dd>
              </div>
            ))}
          </dl>
        </section>
        <section aria-labelledby="checks-title">
          <h2 id="checks-title">Checks</h2>
          <ul>
            {review.runs.map((r) => (
              <li key={r.id}>
                <strong>{r.step}</strong> <Status value={r.status} /> {seconds(r.duration_ms)}
                {r.attempt > 1 && ` (attempt ${r.attempt})`}
                {(r.artifacts.summary ?? r.error) ? `: ${String(r.artifacts.summary ?? r.error)}` : ""}
              </li>
            ))}
          </ul>
          <h3>Analyser findings</h3>
          {review.scan_findings.length ? (
            <pre className="log" tabIndex={0} aria-label="analyser findings">
              {review.scan_findings.join("\n")}
            </pre>
          ) : (
            <p>No analyser report recorded.</p>
          )}
          <h3>Sandbox</h3>
          <p>{sandbox ? String(sandbox.artifacts.summary ?? sandbox.error ?? sandbox.status) : "Not run."}</p>
        </section>
        <section aria-labelledby="tests-title">
          <h2 id="tests-title">Contract tests and compatibility</h2>
          <p data-testid="contract-summary">
            {tests.length - failedTests.length} of {tests.length} contract tests passed or skipped
            {failedTests.length > 0 && `; failing: ${failedTests.map((t) => `${t.test_suite}/${t.test_name}`).join(", ")}`}
          </p>
          <table>
            <caption>Compatibility</caption>
            <thead>
              <tr>
                <th scope="col">platform</th>
                <th scope="col">version</th>
                <th scope="col">PHP</th>
                <th scope="col">result</th>
              </tr>
            </thead>
            <tbody>
              {review.compatibility.map((c) => (
                <tr key={`${c.cms}-${c.cms_version}-${c.php_version}`}>
                  <td>{c.cms}</td>
                  <td>{c.cms_version}</td>
                  <td>{c.php_version}</td>
                  <td>{c.tested ? c.test_result : "not tested"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section aria-labelledby="supply-title">
          <h2 id="supply-title">SBOM, signature and key</h2>
          <dl>
            <div>
              <dt>SBOM</dt>
              <dd>
                {review.sbom
                  ? `CycloneDX ${review.sbom.spec_version ?? ""}: ${review.sbom.files} files, ${review.sbom.dependencies.length} third-party components${review.sbom.dependencies.length ? ` (${review.sbom.dependencies.join(", ")})` : ""}`
                  : "none recorded"}
              </dd>
            </div>
            <div>
              <dt>zip sha256</dt>
              <dd>
                <code>{review.signature.zip_sha256 ?? "not built"}</code>
              </dd>
            </div>
            <div>
              <dt>signature</dt>
              <dd>{review.signature.signature ? "ECDSA P-256 over manifest.json" : "not signed"}</dd>
            </div>
            <div>
              <dt>signing key</dt>
              <dd>
                {review.signing_key ? (
                  <>
                    <code>{review.signing_key.key_id.slice(0, 16)}…</code> ({review.signing_key.backend},{" "}
                    <Status value={review.signing_key.status} />)
                  </>
                ) : (
                  "none"
                )}
              </dd>
            </div>
          </dl>
        </section>
      </div>
      <section aria-labelledby="diff-title">
        <h2 id="diff-title">
          Source changes{" "}
          {review.diff.base_version ? `since published ${review.diff.base_version}` : "(first version of this slug)"}
        </h2>
        <p data-testid="diff-summary">
          {review.diff.files.length} files changed, {review.diff.unchanged} unchanged
          {review.diff.truncated && "; the diff is cut (too long to show whole)"}
        </p>
        {review.diff.files.map((f) => (
          <details key={f.path}>
            <summary>
              {f.change}: {f.path}
              {f.note && ` (${f.note})`}
            </summary>
            <pre className="diff" tabIndex={0} aria-label={`diff of ${f.path}`}>
              {f.diff}
            </pre>
          </details>
        ))}
      </section>
      <section aria-labelledby="decided-title">
        <h2 id="decided-title">Decisions so far</h2>
        {review.approvals.length === 0 ? (
          <p>Nobody has decided yet.</p>
        ) : (
          <ul data-testid="decisions">
            {review.approvals.map((a) => (
              <li key={a.id}>
                {a.approver_id} ({a.approver_role}) {a.approved ? "approved" : "rejected"} on {when(a.created_at)}
                {a.mfa_verified && " with MFA"}
                {a.comment && `: “${a.comment}”`}
              </li>
            ))}
          </ul>
        )}
      </section>
      <Decide review={review} session={session} onDone={loaded.reload} />
    </>
  );
}
