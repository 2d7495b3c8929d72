"""/jobs: submit, list, inspect, tail logs, cancel, retry; /stats."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from forge.api.auth import Ops
from forge.api.cursors import log_cursor, page_cursor, parse_log_cursor, parse_page_cursor
from forge.api.dependencies import Deps
from forge.api.schemas import (
    ApprovalRequestView,
    ApprovalView,
    CreateJob,
    JobDetail,
    JobPage,
    JobView,
    LogPage,
    PackageView,
    RunLog,
    RunView,
    StatsView,
)
from forge.models.job import JobStatus
from forge.models.package import ApprovalStatus
from forge.pipeline import jobs as job_service

router = Router()

JobId = Annotated[UUID, Path(description="Job id")]


def job_detail(deps: Deps, job_id: UUID) -> JobDetail:
    repos = deps.repos
    job = repos.jobs.get(job_id)
    package = repos.packages.get(job.plugin_package_id) if job.plugin_package_id else None
    requests = repos.approvals.requests_for_job(job.id)
    # The open request if there is one, else the latest decided one.
    pending = [r for r in requests if r.status is ApprovalStatus.PENDING]
    request = pending[-1] if pending else (requests[-1] if requests else None)
    approvals = repos.approvals.approvals_for_package(package.id) if package else []
    return JobDetail(
        job=JobView.of(job),
        runs=[RunView.of(r) for r in repos.runs.for_job(job.id)],
        package=PackageView.of(package) if package else None,
        approval_request=ApprovalRequestView.of(request) if request else None,
        approvals=[ApprovalView.of(a) for a in approvals],
    )


@router.post(
    "/jobs",
    summary="Submit a plugin spec",
    responses={201: {"description": "Job created"}, 200: {"description": "Existing job (same key)"}},
)
def create_job(
    body: CreateJob,
    principal: Ops,
    deps: Deps,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> Response[JobView]:
    key = idempotency_key or body.idempotency_key
    job, created = job_service.submit(deps, body.spec, principal.user, key)
    return Response(status_code=201 if created else 200, body=JobView.of(job), content_type="application/json")


@router.get("/jobs", summary="List jobs, newest first")
def list_jobs(
    principal: Ops,
    deps: Deps,
    status: Annotated[JobStatus | None, Query()] = None,
    cms: Annotated[str | None, Query(max_length=40)] = None,
    requested_by: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> JobPage:
    before = parse_page_cursor(cursor) if cursor else None
    jobs = deps.repos.jobs.page(
        status=status.value if status else None,
        cms=cms,
        requested_by=requested_by,
        before=before,
        limit=limit + 1,
    )
    more = len(jobs) > limit
    jobs = jobs[:limit]
    return JobPage(
        items=[JobView.of(j) for j in jobs],
        next_cursor=page_cursor(jobs[-1].created_at, jobs[-1].id) if more else None,
    )


@router.get("/jobs/<job_id>", summary="A job with its runs, package and approvals")
def get_job(job_id: JobId, principal: Ops, deps: Deps) -> JobDetail:
    return job_detail(deps, job_id)


@router.get("/jobs/<job_id>/logs", summary="Step logs; pass the returned cursor as `since` to tail")
def get_logs(
    job_id: JobId, principal: Ops, deps: Deps, since: Annotated[str | None, Query(max_length=4000)] = None
) -> LogPage:
    repos = deps.repos
    repos.jobs.get(job_id)
    offsets = parse_log_cursor(since) if since else {}
    runs, new_offsets = [], {}
    for run in repos.runs.for_job(job_id):
        start = offsets.get(str(run.id), 0)
        runs.append(RunLog(run_id=run.id, step=run.step, attempt=run.attempt, status=run.status, text=run.logs[start:]))
        new_offsets[str(run.id)] = len(run.logs)
    return LogPage(runs=runs, cursor=log_cursor(new_offsets))


@router.post("/jobs/<job_id>/cancel", summary="Stop the execution and mark the job cancelled")
def cancel_job(job_id: JobId, principal: Ops, deps: Deps) -> JobView:
    return JobView.of(job_service.cancel(deps, job_id, principal.user))


@router.post("/jobs/<job_id>/retry", summary="Start again from the step that failed")
def retry_job(job_id: JobId, principal: Ops, deps: Deps) -> JobView:
    return JobView.of(job_service.retry(deps, job_id))


@router.get("/stats", summary="Job counts, success rate and duration per step over the last N days; the gauges now")
def stats(principal: Ops, deps: Deps, days: Annotated[int, Query(ge=1, le=365)] = 7) -> StatsView:
    return StatsView.of(deps.repos.jobs.stats(days), deps.repos.gauges.read())
