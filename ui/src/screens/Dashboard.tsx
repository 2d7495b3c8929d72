import { useState } from "react";
import { api } from "../api";
import { ErrorNotice, Link, percent, seconds, Status, useLoad, when } from "../components";
import type { StatsView } from "../types";

const STATUSES = ["", "queued", "running", "awaiting_approval", "success", "failed", "cancelled"];
const PLATFORMS = ["", "woocommerce", "prestashop", "magento", "shopify"];
const STEPS = ["generate", "build", "test", "sandbox", "package", "sign", "approval", "publish"];

function StepChart({ stats }: { stats: StatsView }) {
  const rows = STEPS.filter((s) => stats.steps[s]);
  if (!rows.length) return <p>No step ran in this window.</p>;
  const longest = Math.max(...rows.map((s) => stats.steps[s].avg_duration_ms ?? 0), 1);
  const height = rows.length * 28 + 24;
  return (
    <figure>
      <svg role="img" aria-labelledby="chart-title" viewBox={`0 0 640 ${height}`} className="chart">
        <title id="chart-title">Success rate and average duration per step</title>
        {rows.map((step, i) => {
          const s = stats.steps[step];
          const y = 20 + i * 28;
          const rate = s.success_rate ?? 0;
          const duration = s.avg_duration_ms ?? 0;
          return (
            <g key={step}>
              <text x="0" y={y + 14} className="chart-label">
                {step}
              </text>
              <rect x="90" y={y} width={200 * rate} height="18" className="bar-rate" />
              <text x="296" y={y + 14} className="chart-value">
                {percent(s.success_rate)}
              </text>
              <rect x="370" y={y} width={(200 * duration) / longest} height="18" className="bar-duration" />
              <text x={376 + (200 * duration) / longest} y={y + 14} className="chart-value">
                {seconds(s.avg_duration_ms)}
              </text>
            </g>
          );
        })}
        <text x="90" y="12" className="chart-head">
          success rate
        </text>
        <text x="370" y="12" className="chart-head">
          average duration
        </text>
      </svg>
      <figcaption>Per step over the last {stats.days} days (the table below has the same figures).</figcaption>
    </figure>
  );
}

export function Dashboard() {
  const [days, setDays] = useState(7);
  const [status, setStatus] = useState("");
  const [cms, setCms] = useState("");
  const [requester, setRequester] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const stats = useLoad(() => api.stats(days), [days], 10000);
  const jobs = useLoad(
    () => api.jobs({ status: status || undefined, cms: cms || undefined, requested_by: requester || undefined, limit: 200 }),
    [status, cms, requester],
    5000,
  );
  // Dates filter the loaded page (the API filters by status, platform and requester).
  const shown = (jobs.data?.items ?? []).filter(
    (job) => (!from || job.created_at.slice(0, 10) >= from) && (!to || job.created_at.slice(0, 10) <= to),
  );
  const s = stats.data;
  return (
    <>
      <h1>Dashboard</h1>
      <ErrorNotice error={stats.error || jobs.error} />
      {s && (
        <section aria-labelledby="counts-title">
          <h2 id="counts-title">Last {s.days} days</h2>
          <label htmlFor="days">Window</label>{" "}
          <select id="days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[1, 7, 30, 90].map((d) => (
              <option key={d} value={d}>
                {d} days
              </option>
            ))}
          </select>
          <dl className="counts" data-testid="counts">
            {(
              [
                ["jobs", s.total],
                ["success", s.success],
                ["failed", s.failed],
                ["cancelled", s.cancelled],
                ["awaiting approval", s.awaiting_approval],
                ["success rate", percent(s.success_rate)],
                ["average job", s.avg_duration_seconds === null ? "–" : `${s.avg_duration_seconds} s`],
              ] as const
            ).map(([label, value]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
          <h2>Now</h2>
          <dl className="counts" data-testid="gauges">
            <div>
              <dt>queued</dt>
              <dd>{s.gauges.jobs_queued}</dd>
            </div>
            <div>
              <dt>running</dt>
              <dd>{s.gauges.jobs_running}</dd>
            </div>
            <div>
              <dt>approvals pending</dt>
              <dd>{s.gauges.approvals_pending}</dd>
            </div>
          </dl>
          <h2>Steps</h2>
          <StepChart stats={s} />
          <table>
            <caption>Runs per step</caption>
            <thead>
              <tr>
                <th scope="col">step</th>
                <th scope="col">runs</th>
                <th scope="col">failed</th>
                <th scope="col">success rate</th>
                <th scope="col">average duration</th>
              </tr>
            </thead>
            <tbody>
              {STEPS.filter((step) => s.steps[step]).map((step) => (
                <tr key={step}>
                  <th scope="row">{step}</th>
                  <td>{s.steps[step].runs}</td>
                  <td>{s.steps[step].failed}</td>
                  <td>{percent(s.steps[step].success_rate)}</td>
                  <td>{seconds(s.steps[step].avg_duration_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <section aria-labelledby="jobs-title">
        <h2 id="jobs-title">Jobs</h2>
        <form className="filters" onSubmit={(e) => e.preventDefault()}>
          <label>
            Status
            <select value={status} onChange={(e) => setStatus(e.target.value)}>
              {STATUSES.map((v) => (
                <option key={v} value={v}>
                  {v || "any"}
                </option>
              ))}
            </select>
          </label>
          <label>
            Platform
            <select value={cms} onChange={(e) => setCms(e.target.value)}>
              {PLATFORMS.map((v) => (
                <option key={v} value={v}>
                  {v || "any"}
                </option>
              ))}
            </select>
          </label>
          <label>
            Requester
            <input value={requester} onChange={(e) => setRequester(e.target.value)} />
          </label>
          <label>
            From
            <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            To
            <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
        </form>
        <table data-testid="jobs">
          <caption>{shown.length} jobs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">job</th>
              <th scope="col">status</th>
              <th scope="col">plugin</th>
              <th scope="col">platform</th>
              <th scope="col">step</th>
              <th scope="col">requested by</th>
              <th scope="col">created</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((job) => (
              <tr key={job.id}>
                <td>
                  <Link to={`/jobs/${job.id}`}>
                    <code>{job.id.slice(0, 8)}</code>
                  </Link>
                </td>
                <td>
                  <Status value={job.status} />
                </td>
                <td>
                  {job.slug} {job.version}
                </td>
                <td>{job.cms}</td>
                <td>{job.current_step ?? ""}</td>
                <td>{job.requested_by}</td>
                <td>{when(job.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
