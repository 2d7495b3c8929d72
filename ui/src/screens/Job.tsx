import { useEffect, useRef, useState } from "react";
import { api } from "../api";
import { ErrorNotice, Link, seconds, Status, useLoad, when } from "../components";
import type { Session } from "../session";

const ENDED = ["success", "failed", "cancelled"];

/** Follows GET /jobs/{id}/logs?since= while the job runs: each answer holds only what is new since the cursor. */
function useLogTail(id: string, live: boolean): { text: Record<string, string>; error: unknown } {
  const [text, setText] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const cursor = useRef<string | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    let timer = 0;
    const poll = async () => {
      try {
        const page = await api.logs(id, cursor.current);
        cursor.current = page.cursor;
        if (stopped) return;
        setText((old) => {
          const next = { ...old };
          for (const run of page.runs) {
            const label = `${run.step} (attempt ${run.attempt})`;
            if (run.text) next[label] = (next[label] ?? "") + run.text;
            else next[label] = next[label] ?? "";
          }
          return next;
        });
        setError(null);
      } catch (err) {
        if (!stopped) setError(err);
      }
      if (!stopped && live) timer = window.setTimeout(poll, 1500);
    };
    poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [id, live]);
  return { text, error };
}

function Confirm({ label, question, onYes }: { label: string; question: string; onYes: () => Promise<void> }) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (!asking)
    return (
      <button type="button" onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <div className="confirm" role="group" aria-label={question}>
      <p>{question}</p>
      <ErrorNotice error={error} />
      <button
        type="button"
        className="danger"
        onClick={() =>
          onYes()
            .then(() => setAsking(false))
            .catch(setError)
        }
      >
        Yes, {label.toLowerCase()}
      </button>{" "}
      <button type="button" className="secondary" onClick={() => setAsking(false)}>
        No
      </button>
    </div>
  );
}

export function JobScreen({ id }: { id: string; session: Session }) {
  const detail = useLoad(() => api.job(id), [id], 2000);
  const job = detail.data?.job;
  const live = !job || !ENDED.includes(job.status);
  const logs = useLogTail(id, live);
  return (
    <>
      <h1>
        Job <code>{id}</code>
      </h1>
      <ErrorNotice error={detail.error} />
      {job && detail.data && (
        <>
          <p>
            {job.name} {job.version} for {job.cms}, requested by {job.requested_by} · <Status value={job.status} />
          </p>
          {job.error && (
            <p className="job-error">
              <strong>Error:</strong> {job.error}
            </p>
          )}
          <div className="actions">
            {["queued", "running", "awaiting_approval"].includes(job.status) && (
              <Confirm
                label="Cancel"
                question="Stop this job's execution and mark it cancelled?"
                onYes={() => api.cancel(id).then(detail.reload)}
              />
            )}
            {job.status === "failed" && (
              <Confirm
                label="Retry"
                question="Start this job again from the step that failed?"
                onYes={() => api.retry(id).then(detail.reload)}
              />
            )}
            {detail.data.approval_request?.status === "pending" && job.package_id && (
              <Link to={`/approvals/${job.package_id}`}>Review for approval</Link>
            )}
          </div>
          <h2>Timeline</h2>
          <ol className="timeline" data-testid="timeline">
            {detail.data.runs.map((run) => (
              <li key={run.id} className={`run run-${run.status}`}>
                <span className="step">{run.step}</span> <Status value={run.status} />
                {run.attempt > 1 && <span className="retries"> attempt {run.attempt}</span>}
                <span className="duration"> {seconds(run.duration_ms)}</span>
                <span className="started"> started {when(run.started_at)}</span>
                {typeof run.artifacts.summary === "string" && <div className="summary">{run.artifacts.summary}</div>}
                {run.error && <div className="run-error">{run.error}</div>}
              </li>
            ))}
          </ol>
        </>
      )}
      <h2>Logs {live ? "(live)" : ""}</h2>
      <ErrorNotice error={logs.error} />
      {Object.entries(logs.text).map(([label, text]) => (
        <details key={label} open={live}>
          <summary>{label}</summary>
          <pre className="log" tabIndex={0} aria-label={`log of ${label}`}>
            {text}
          </pre>
        </details>
      ))}
    </>
  );
}
