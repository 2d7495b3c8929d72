"""Job lifecycle: submit, cancel, retry, and reconciling jobs whose execution vanished."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from forge.cms import refuse_untestable
from forge.errors import Conflict, ForgeError
from forge.models.job import PIPELINE, Job, JobStatus, RunStatus, Step
from forge.models.package import PackageStatus
from forge.models.spec import PluginSpec, parse_spec
from forge.observability import emit_metric, logger
from forge.pipeline.deps import PipelineDeps


def _execution_input(deps: PipelineDeps, job_id: UUID, resume_from: Step) -> dict[str, Any]:
    return {
        "job_id": str(job_id),
        "resume_from": resume_from.value,
        "approval_timeout_seconds": deps.settings.approval_timeout_seconds,
        # Read by the repair loop's Choice: an LLM provider gets up to max_repairs more attempts.
        "generation": {
            "provider": deps.settings.generation_provider,
            "max_repairs": deps.settings.max_repairs,
            "attempt": 0,
        },
    }


def _start(deps: PipelineDeps, job: Job, resume_from: Step, name: str) -> Job:
    try:
        arn = deps.workflow.start(name, _execution_input(deps, job.id, resume_from))
    except ForgeError as exc:
        deps.repos.jobs.finish(job.id, JobStatus.FAILED, f"could not start the workflow: {exc}")
        raise
    deps.repos.jobs.started(job.id, arn)
    logger.info("execution started", extra={"job_id": str(job.id), "execution_arn": arn, "resume_from": resume_from})
    return deps.repos.jobs.get(job.id)


def submit(deps: PipelineDeps, spec: PluginSpec, requested_by: str, idempotency_key: str | None) -> tuple[Job, bool]:
    """Create the job and start its execution. An idempotency key this requester already used returns the existing
    job (same spec) or raises Conflict (different spec); keys are scoped per requester.

    The spec is accepted here, against the API host allowlist in force now and what the platform's sandbox can test
    (SpecError otherwise); the steps read the stored spec back without checking either again, so a changed allowlist
    cannot fail a job in flight."""
    spec = refuse_untestable(parse_spec(spec.model_dump(mode="json"), "spec", deps.settings.allowed_hosts))
    job, created = deps.repos.jobs.create(spec, requested_by, idempotency_key)
    if not created:
        return job, False
    emit_metric("forge_jobs_submitted_total", 1, cms=spec.platform)
    return _start(deps, job, Step.GENERATE, str(job.id)), True


def cancel(deps: PipelineDeps, job_id: UUID, by: str) -> Job:
    job = deps.repos.jobs.get(job_id)
    if job.status.finished:
        raise Conflict(f"job {job_id} already finished ({job.status.value})")
    reason = f"cancelled by {by}"
    if not deps.repos.jobs.finish(job.id, JobStatus.CANCELLED, reason):
        raise Conflict(f"job {job_id} finished meanwhile")
    if job.execution_arn:
        deps.workflow.stop(job.execution_arn, reason)
    for run in deps.repos.runs.for_job(job.id):
        task_arn = run.artifacts.get("task_arn")
        if run.status is RunStatus.RUNNING and task_arn:
            deps.workflow.stop_task(run.artifacts.get("cluster", "default"), task_arn, reason)
    deps.repos.runs.close_running(job.id, RunStatus.CANCELLED, reason)
    deps.repos.approvals.cancel_pending_for_job(job.id)
    emit_metric("forge_jobs_total", 1, status=JobStatus.CANCELLED.value)
    return deps.repos.jobs.get(job.id)


def resume_step(deps: PipelineDeps, job: Job) -> Step:
    """Where a retry starts: the step whose run failed last, else the step the job was at."""
    failed = deps.repos.runs.last_failed(job.id)
    if failed is not None:
        return failed.step
    return job.current_step or PIPELINE[0]


def final_verdict(deps: PipelineDeps, job: Job) -> str | None:
    """Why nothing may resume this job's package (rejected or revoked: both final), or None."""
    if job.plugin_package_id is None:
        return None
    package = deps.repos.packages.get(job.plugin_package_id)
    if package.status is PackageStatus.REJECTED:
        rejecters = [a for a in deps.repos.approvals.approvals_for_package(package.id) if not a.approved]
        by = "".join(f"; rejected by {a.approver_id}: {a.comment or 'no reason given'}" for a in rejecters)
        return f"package {package.id} was rejected{by}. A rejection is final: submit a new job (bump the version)"
    if package.status is PackageStatus.REVOKED:
        return (
            f"package {package.id} was revoked: {package.revocation_reason}. "
            "Revocation is final: submit a new job (bump the version)"
        )
    return None


def retry(deps: PipelineDeps, job_id: UUID) -> Job:
    job = deps.repos.jobs.get(job_id)
    if job.status is not JobStatus.FAILED:
        raise Conflict(f"only failed jobs can be retried; job {job_id} is {job.status.value}")
    verdict = final_verdict(deps, job)
    if verdict is not None:
        raise Conflict(verdict)
    step = resume_step(deps, job)
    if not deps.repos.jobs.reopen(job.id):
        raise Conflict(f"job {job_id} changed meanwhile")
    attempt = sum(1 for r in deps.repos.runs.for_job(job.id) if r.step is step) + 1
    return _start(deps, job, step, f"{job.id}-retry{attempt}")


def reconcile(deps: PipelineDeps) -> list[tuple[UUID, str]]:
    """After a restart, no job may stay 'running' with no execution behind it.

    A job waiting for approvals is re-attached (a new execution resumes at the wait, approvals already
    given still count); a job caught mid-step is failed with a message saying how to resume it.
    """
    actions: list[tuple[UUID, str]] = []
    for job in deps.repos.jobs.unfinished():
        status = deps.workflow.status(job.execution_arn) if job.execution_arn else None
        if status == "RUNNING":
            continue
        if job.status is JobStatus.AWAITING_APPROVAL and final_verdict(deps, job) is None:
            deps.repos.runs.close_running(job.id, RunStatus.CANCELLED, "runtime restarted; waiting again")
            _start(deps, job, Step.APPROVAL, f"{job.id}-reattach{len(deps.repos.runs.for_job(job.id))}")
            actions.append((job.id, "re-attached to a new approval wait"))
            continue
        step = job.current_step.value if job.current_step else "start"
        message = (
            f"interrupted: the runtime stopped during '{step}' (execution {status or 'gone'}); "
            f"`forge retry {job.id}` resumes there"
        )
        deps.repos.runs.close_running(job.id, RunStatus.FAILED, message)
        deps.repos.jobs.finish(job.id, JobStatus.FAILED, message)
        actions.append((job.id, "marked failed: " + message))
    for job_id, action in actions:
        logger.warning("reconciled job", extra={"job_id": str(job_id), "action": action})
    return actions
