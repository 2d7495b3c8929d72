"""Approvers' decisions. The threshold of verified approvals releases the waiting workflow exactly once.

Each decision is signed by the forge signer (the HSM/KMS key that signs packages) over the package's manifest
digest, the approver, their role, the decision and the instant (forge.pipeline.approval_statement). An asymmetric
signature rather than an HMAC: anyone holding the public keyset (auditors, GET /keys) can check a row, and nobody
who can read the database or the Lambda's environment can mint a valid one, because the private key never leaves
the HSM. Publish counts only rows that verify (forge.pipeline.approval_verification).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from forge.errors import Conflict, Forbidden
from forge.models.callback import CallbackMessage
from forge.models.job import RunStatus, Step
from forge.models.package import Approval, ApprovalRequest, ApprovalStatus, PackageStatus
from forge.observability import emit_metric, logger
from forge.pipeline.approval_statement import approval_statement
from forge.pipeline.approval_verification import audit_approvals, requesters_of
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.workflow_callbacks import deliver

# The package has been signed and nothing has decided its fate yet.
_APPROVABLE = (PackageStatus.SIGNED, PackageStatus.AWAITING_APPROVAL)


class MfaCheck(Protocol):
    def __call__(self, approver: str, code: str) -> None:
        """Raise (Forbidden) unless `code` is the approver's valid, unused TOTP code."""


@dataclass(frozen=True)
class Decision:
    approval: Approval
    request: ApprovalRequest
    # This call closed the request; its workflow callback is committed and delivered now or by the sweeper.
    released: bool


def pending_request(deps: PipelineDeps, job_id: UUID) -> ApprovalRequest | None:
    for request in reversed(deps.repos.approvals.requests_for_job(job_id)):
        if request.status is ApprovalStatus.PENDING:
            return request
    return None


def request_for_package(deps: PipelineDeps, package_id: UUID, by: str) -> tuple[ApprovalRequest, bool]:
    """Ask approvers to decide on a signed package: (the pending request, True when opened now)."""
    repos = deps.repos
    package = repos.packages.get(package_id)
    if package.status not in _APPROVABLE:
        raise Conflict(f"package {package_id} is {package.status.value}; only a signed package awaits approval")
    job = repos.package_views.job_for(package_id)
    return repos.approvals.request_for_package(package_id, job["id"] if job else None, by, deps.settings.min_approvals)


def decide(
    deps: PipelineDeps,
    request_id: UUID,
    approver: str,
    role: str,
    approved: bool,
    comment: str | None,
    mfa_code: str,
    mfa: MfaCheck,
) -> Decision:
    repos = deps.repos
    request = repos.approvals.get_request(request_id)
    if request.status is not ApprovalStatus.PENDING:
        raise Conflict(f"approval request {request_id} is already {request.status.value}")
    package = repos.packages.get(request.plugin_package_id)
    requesters = requesters_of(deps, package)
    if approver in requesters:
        raise Forbidden("the person who requested the job cannot approve it")
    if repos.approvals.has_decided(request.plugin_package_id, approver):
        raise Conflict(f"{approver} has already decided on this package")
    # Checked after the cheap refusals so a code is not spent on a request that would fail anyway.
    mfa(approver, mfa_code)
    at = datetime.now(UTC)
    key, signer = deps.signer()
    signature = base64.b64encode(signer.sign(approval_statement(package, approver, role, approved, at))).decode()
    approval = repos.approvals.record(request, approver, role, approved, comment, True, signature, key.key_id, at)
    logger.info("approval recorded", extra={"job_id": str(request.job_id), "approver": approver, "approved": approved})

    closed, callback = False, None
    if not approved:
        # Final: the package is rejected for good (retry refuses it); the way forward is a new job, a new version.
        reason = f"rejected by {approver}: {comment or 'no reason given'}"
        message = CallbackMessage.failure("ApprovalRejected", reason)
        closed, callback = repos.approvals.close(request.id, ApprovalStatus.REJECTED, PackageStatus.REJECTED, message)
        if closed:
            _close_wait(deps, request, RunStatus.FAILED, reason)
    else:
        # Only approvals that verify count toward the threshold; forged rows are reported (metric, error log).
        approvers = audit_approvals(deps, package, requesters).approvers
        if len(approvers) >= max(request.required_approvals, deps.settings.min_approvals):
            message = CallbackMessage.success({"approved_by": approvers, "request_id": str(request.id)})
            closed, callback = repos.approvals.close(
                request.id, ApprovalStatus.APPROVED, PackageStatus.APPROVED, message
            )
            if closed:  # only the caller whose UPDATE closed the request gets here
                _close_wait(deps, request, RunStatus.SUCCESS, f"approved by {', '.join(approvers)}")
                emit_metric(
                    "forge_approval_seconds", (datetime.now(UTC) - request.created_at).total_seconds(), "Seconds"
                )
    if callback is not None:
        deliver(deps, callback)
    return Decision(approval, repos.approvals.get_request(request.id), closed)


def _close_wait(deps: PipelineDeps, request: ApprovalRequest, status: RunStatus, message: str) -> None:
    if request.job_id is None:
        return
    for run in deps.repos.runs.for_job(request.job_id):
        if run.step is Step.APPROVAL and run.status is RunStatus.RUNNING:
            deps.repos.runs.append_log(run.id, message)
            error = None if status is RunStatus.SUCCESS else message
            deps.repos.runs.finish(run.id, status, {"summary": message}, error=error)
