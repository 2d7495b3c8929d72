"""The end of an execution: the job succeeded, or a step's failure is recorded on the job."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from forge.models.job import JobStatus, Run, RunStatus, Step
from forge.models.package import ApprovalStatus
from forge.observability import emit_metric, logger
from forge.pipeline.deps import PipelineDeps


def failure_message(failure: dict[str, Any] | None) -> str:
    """Step Functions hands {"Error", "Cause"}; a Lambda's Cause is JSON with errorMessage."""
    if not failure:
        return "failed"
    error, cause = failure.get("Error", "Error"), failure.get("Cause", "")
    try:
        parsed = json.loads(cause)
        if isinstance(parsed, dict) and "errorMessage" in parsed:
            cause = parsed["errorMessage"]
    except (TypeError, ValueError):
        pass
    if error == "States.Timeout":
        return f"timed out: {cause}" if cause else "timed out"
    return f"{error}: {cause}" if cause else str(error)


def step_seconds(runs: list[Run]) -> dict[Step, float]:
    """Seconds each step took in a job: its closed runs added up (a retried or repaired step counts every try)."""
    seconds: dict[Step, float] = {}
    for run in runs:
        if run.duration_ms is not None:
            seconds[run.step] = seconds.get(run.step, 0.0) + run.duration_ms / 1000
    return seconds


def emit_job_durations(runs: list[Run]) -> None:
    """forge_jobs_duration_seconds per step (the seed's `step` label), and without a step label the pipeline's own
    time: every step but the approval wait, which is the approvers' time (forge_approval_seconds measures it) and
    would make the ">20 min" SLO fire on every job that waited a few hours for its approvals."""
    seconds = step_seconds(runs)
    for step, value in seconds.items():
        emit_metric("forge_jobs_duration_seconds", round(value, 3), "Seconds", step=step.value)
    working = sum(value for step, value in seconds.items() if step is not Step.APPROVAL)
    emit_metric("forge_jobs_duration_seconds", round(working, 3), "Seconds")


def record_success(deps: PipelineDeps, job_id: UUID) -> None:
    if deps.repos.jobs.finish(job_id, JobStatus.SUCCESS):
        job = deps.repos.jobs.get(job_id)
        emit_metric("forge_jobs_total", 1, status=JobStatus.SUCCESS.value)
        emit_metric("forge_packages_total", 1, cms=job.cms)
        emit_job_durations(deps.repos.runs.for_job(job_id))


def record_failure(deps: PipelineDeps, job_id: UUID, failure: dict[str, Any] | None) -> str:
    message = failure_message(failure)
    job = deps.repos.jobs.get(job_id)
    deps.repos.runs.close_running(job_id, RunStatus.FAILED, message)
    timed_out = bool(failure and failure.get("Error") == "States.Timeout")
    deps.repos.approvals.cancel_pending_for_job(
        job_id, ApprovalStatus.EXPIRED if timed_out else ApprovalStatus.CANCELLED
    )
    if job.plugin_package_id:
        deps.repos.packages.mark_failed(job.plugin_package_id)
    if deps.repos.jobs.finish(job_id, JobStatus.FAILED, message):
        emit_metric("forge_jobs_total", 1, status=JobStatus.FAILED.value)
        if job.current_step is Step.SIGN:
            emit_metric("forge_signing_failures_total", 1)
    logger.warning("job failed", extra={"job_id": str(job_id), "step": job.current_step, "error": message[:500]})
    return message
