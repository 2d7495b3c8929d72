"""The approval wait: record a request holding the task token; approvers release it through the API."""

from __future__ import annotations

from forge.pipeline.bookkeeping import StepContext, StepOutcome


def request_approval(ctx: StepContext, task_token: str) -> StepOutcome:
    settings = ctx.deps.settings
    request = ctx.deps.repos.approvals.open_request(
        ctx.package_id,
        ctx.job.id,
        ctx.job.requested_by,
        settings.min_approvals,
        task_token,
        settings.approval_timeout_seconds,
    )
    ctx.deps.repos.packages.set_status(ctx.package_id, "awaiting_approval")
    already = len([a for a in ctx.deps.repos.approvals.approvals_for_package(ctx.package_id) if a.approved])
    return StepOutcome(
        summary=f"waiting for {settings.min_approvals} approvals (request {request.id}; {already} so far)",
        artifacts={"approval_request_id": str(request.id)},
        keep_open=True,
    )
