import { useState } from "react";
import { api } from "../api";
import { ErrorNotice, Link, Status, useLoad, when } from "../components";
import type { Session } from "../session";

export function ApprovalsScreen({ session }: { session: Session }) {
  const [status, setStatus] = useState("pending");
  const queue = useLoad(() => api.approvals(status), [status], 5000);
  return (
    <>
      <h1>Approvals</h1>
      <label htmlFor="approval-status">Requests</label>{" "}
      <select id="approval-status" value={status} onChange={(e) => setStatus(e.target.value)}>
        {["pending", "approved", "rejected", "expired", "cancelled"].map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      <ErrorNotice error={queue.error} />
      {queue.data && queue.data.items.length === 0 && <p>No {status} approval requests.</p>}
      <ul className="cards" data-testid="approval-queue">
        {(queue.data?.items ?? []).map(({ request, package: pkg, approvals }) => {
          const given = approvals.filter((a) => a.approved).length;
          return (
            <li key={request.id} className="card">
              <h2>
                <Link to={`/approvals/${pkg.id}`}>
                  {pkg.name} {pkg.version}
                </Link>
              </h2>
              <p>
                <Status value={request.status} /> · {pkg.cms} · requested by {request.requested_by} on{" "}
                {when(request.created_at)}
                {request.requested_by === session.user && " (by you)"}
              </p>
              <p>
                {given} of {request.required_approvals} approvals
                {approvals.length > 0 && `: ${approvals.map((a) => `${a.approver_id} ${a.approved ? "approved" : "rejected"}`).join(", ")}`}
              </p>
            </li>
          );
        })}
      </ul>
    </>
  );
}
