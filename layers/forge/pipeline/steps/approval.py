"""The approval wait: record a request holding the task token; approvers release it through the API.

A rejected or revoked package never waits again (both are final). A package already approved (a workflow re-attached
after a restart, or a retry after its release was lost) is released at once with the new token.
"""

from __future__ import annotations

from forge.errors import StepFailed
from forge.models.callback import CallbackMessage
from forge.models.package import ApprovalStatus, PackageStatus
from forge.pipeline.approval_verification import audit_approvals, requesters_of
from forge.pipeline.bookkeeping import StepContext, StepOutcome
from forge.pipeline.jobs import final_verdict
from forge.pipeline.workflow_callbacks import deliver


def request_approval(ctx: StepContext, task_token: str) -> StepOutcome:
    repos, settings = ctx.deps.repos, ctx.deps.settings
    verdict = final_verdict(ctx.deps, ctx.job)
    if verdict is not None:
        raise StepFailed(verdict)
    request = repos.approvals.open_request(
        ctx.package_id,
        ctx.job.id,
        ctx.job.requested_by,
        settings.min_approvals,
        task_token,
        settings.approval_timeout_seconds,
    )
    package = repos.packages.get(ctx.package_id)
    approvers = audit_approvals(ctx.deps, package, requesters_of(ctx.deps, package)).approvers
    if repos.approvals.decided(ctx.package_id, ApprovalStatus.APPROVED) is not None and len(approvers) >= max(
        request.required_approvals, settings.min_approvals
    ):
        message = CallbackMessage.success({"approved_by": approvers, "request_id": str(request.id)})
        closed, callback = repos.approvals.close(request.id, ApprovalStatus.APPROVED, PackageStatus.APPROVED, message)
        if closed and callback is not None:
            deliver(ctx.deps, callback)
        return StepOutcome(
            summary=f"already approved by {', '.join(approvers)}; workflow released",
            artifacts={"approval_request_id": str(request.id)},
        )
    repos.packages.set_status(ctx.package_id, PackageStatus.AWAITING_APPROVAL)
    repos.jobs.awaiting_approval(ctx.job.id)
    return StepOutcome(
        summary=f"waiting for {settings.min_approvals} approvals (request {request.id}; {len(approvers)} so far)",
        artifacts={"approval_request_id": str(request.id)},
        keep_open=True,
    )
