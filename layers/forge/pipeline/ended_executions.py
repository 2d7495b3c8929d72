"""In AWS, no job may stay "running" after its execution ended: the scheduled sweeper (functions/reconcile_jobs)
records the outcome of every execution that ended without recording one.

How an execution ends without an outcome: RecordSuccess or RecordFailure failed past their retries (the workflow then
fails as Forge.OutcomeNotRecorded), the execution hit the workflow's own timeout, or someone stopped it outside the API
(the console, the CLI). The local runtime's restart reconciliation (forge.pipeline.jobs.reconcile) is the other twin:
there the engine's state is gone, here it is kept and read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from forge.models.job import Job, RunStatus, Step
from forge.observability import emit_metric, logger
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.outcome import record_failure, record_success

# A job changed this recently is left for the next sweep: a retry between reopening the job and starting its execution,
# or a state that just recorded something, must not be mistaken for an ended execution.
GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class Reconciled:
    succeeded: int = 0
    failed: int = 0


def _published(deps: PipelineDeps, job: Job) -> bool:
    """Publish succeeded: the release is out, whatever happened after (RecordSuccess failing)."""
    return any(r.step is Step.PUBLISH and r.status is RunStatus.SUCCESS for r in deps.repos.runs.for_job(job.id))


def _ended(deps: PipelineDeps, job: Job) -> str | None:
    """How the job's execution ended, or None while it runs. A job without an execution never started one."""
    if not job.execution_arn:
        return "never started"
    status = deps.workflow.status(job.execution_arn)
    if status == "RUNNING":
        return None
    return status or "gone"


def record_ended_executions(deps: PipelineDeps, now: datetime | None = None) -> Reconciled:
    now = now or datetime.now(UTC)
    succeeded = failed = 0
    for job in deps.repos.jobs.unfinished():
        if now - job.updated_at < GRACE:
            continue
        ended = _ended(deps, job)
        if ended is None:
            continue
        extra = {"job_id": str(job.id), "execution_arn": job.execution_arn, "execution": ended}
        if _published(deps, job):
            record_success(deps, job.id)
            succeeded += 1
            logger.warning("recorded the success of an execution that ended without recording it", extra=extra)
            continue
        step = job.current_step.value if job.current_step else "start"
        cause = f"the execution ended ({ended}) during '{step}' without recording the job's outcome"
        record_failure(deps, job.id, {"Error": "Forge.ExecutionEnded", "Cause": cause})
        failed += 1
        logger.warning("recorded the failure of an execution that ended without recording it", extra=extra)
    if succeeded or failed:
        emit_metric("forge_jobs_reconciled_total", succeeded + failed)
    return Reconciled(succeeded=succeeded, failed=failed)
