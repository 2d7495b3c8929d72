"""Approvers' decisions. The threshold releases the waiting workflow exactly once.

Each decision is signed by the forge signer (the HSM/KMS key that signs packages) over the package
digest, the approver, their role, the decision and the instant. An asymmetric signature rather than an
HMAC: anyone holding the public keyset (auditors, GET /keys) can check a row, and nobody who can read
the database or the Lambda's environment can mint a valid one, because the private key never leaves
the HSM.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from forge.errors import Conflict, Forbidden
from forge.models.job import RunStatus, Step
from forge.models.package import Approval, ApprovalRequest, Package
from forge.observability import emit_metric, logger
from forge.pipeline.deps import PipelineDeps

# The package has been signed and nothing has decided its fate yet.
_APPROVABLE = ("signed", "awaiting_approval")


class MfaCheck(Protocol):
    def __call__(self, approver: str, code: str) -> None:
        """Raise (Forbidden) unless `code` is the approver's valid, unused TOTP code."""


@dataclass(frozen=True)
class Decision:
    approval: Approval
    request: ApprovalRequest
    released: bool


def approval_statement(package: Package, approver: str, role: str, approved: bool, at: datetime) -> bytes:
    """The exact bytes an approval signature covers; rebuilt from the row and its package to verify."""
    return json.dumps(
        {
            "package_id": str(package.id),
            "zip_sha256": package.zip_sha256,
            "key_id": package.signing_key_id,
            "approver": approver,
            "role": role,
            "decision": "approve" if approved else "reject",
            "at": at.astimezone(UTC).isoformat(),
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def verify_approval(approval: Approval, package: Package, public_pem: str) -> bool:
    """True when the row's signature covers what the row and the package say now."""
    from forge.signing.verify import verify_signature

    statement = approval_statement(
        package, approval.approver_id, approval.approver_role, approval.approved, approval.created_at
    )
    try:
        signature = base64.b64decode(approval.signature, validate=True)
    except ValueError:
        return False
    return verify_signature(statement, signature, public_pem.encode())


def pending_request(deps: PipelineDeps, job_id: UUID) -> ApprovalRequest | None:
    for request in reversed(deps.repos.approvals.requests_for_job(job_id)):
        if request.status == "pending":
            return request
    return None


def request_for_package(deps: PipelineDeps, package_id: UUID, by: str) -> tuple[ApprovalRequest, bool]:
    """Ask approvers to decide on a signed package: (the pending request, True when opened now)."""
    repos = deps.repos
    package = repos.packages.get(package_id)
    if package.status not in _APPROVABLE:
        raise Conflict(f"package {package_id} is {package.status}; only a signed package awaits approval")
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
    if request.status != "pending":
        raise Conflict(f"approval request {request_id} is already {request.status}")
    job = repos.package_views.job_for(request.plugin_package_id)
    if approver in (request.requested_by, job["requested_by"] if job else None):
        raise Forbidden("the person who requested the job cannot approve it")
    if repos.approvals.has_decided(request.plugin_package_id, approver):
        raise Conflict(f"{approver} has already decided on this package")
    # Checked after the cheap refusals so a code is not spent on a request that would fail anyway.
    mfa(approver, mfa_code)
    package = repos.packages.get(request.plugin_package_id)
    at = datetime.now(UTC)
    key, signer = deps.signer()
    signature = base64.b64encode(signer.sign(approval_statement(package, approver, role, approved, at))).decode()
    approval = repos.approvals.record(request, approver, role, approved, comment, True, signature, key.key_id, at)
    logger.info("approval recorded", extra={"job_id": str(request.job_id), "approver": approver, "approved": approved})

    released = False
    if not approved:
        reason = f"rejected by {approver}: {comment or 'no reason given'}"
        closed, token = repos.approvals.decide(request.id, "rejected")
        if closed:
            repos.packages.set_status(package.id, "rejected")
            _close_wait(deps, request, RunStatus.FAILED, reason)
            if token:
                deps.workflow.send_failure(token, "ApprovalRejected", reason)
            released = True
    elif repos.approvals.has_minimum(package.id, request.required_approvals):
        closed, token = repos.approvals.decide(request.id, "approved")
        if closed:  # only the caller whose UPDATE closed the request gets here
            approvers = [a.approver_id for a in repos.approvals.approvals_for_package(package.id) if a.approved]
            repos.packages.set_status(package.id, "approved")
            _close_wait(deps, request, RunStatus.SUCCESS, f"approved by {', '.join(approvers)}")
            if token:
                deps.workflow.send_success(token, {"approved_by": approvers, "request_id": str(request.id)})
            emit_metric("forge_approval_seconds", (datetime.now(UTC) - request.created_at).total_seconds(), "Seconds")
            released = True
    return Decision(approval, repos.approvals.get_request(request.id), released)


def _close_wait(deps: PipelineDeps, request: ApprovalRequest, status: RunStatus, message: str) -> None:
    if request.job_id is None:
        return
    for run in deps.repos.runs.for_job(request.job_id):
        if run.step is Step.APPROVAL and run.status is RunStatus.RUNNING:
            deps.repos.runs.append_log(run.id, message)
            error = None if status is RunStatus.SUCCESS else message
            deps.repos.runs.finish(run.id, status, {"summary": message}, error=error)
