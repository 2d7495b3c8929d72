"""Approvers' decisions. The threshold releases the waiting workflow exactly once."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from forge.errors import Conflict, Forbidden
from forge.models.job import RunStatus, Step
from forge.models.package import Approval, ApprovalRequest
from forge.observability import emit_metric, logger
from forge.pipeline.deps import PipelineDeps


@dataclass(frozen=True)
class Decision:
    approval: Approval
    request: ApprovalRequest
    released: bool


def approval_statement(
    package_id: UUID, zip_sha256: str | None, manifest_key: str | None, approver: str, approved: bool, at: str
) -> bytes:
    """What an approval signature covers: the package digest, who, and what they decided."""
    return json.dumps(
        {
            "package_id": str(package_id),
            "zip_sha256": zip_sha256,
            "key_id": manifest_key,
            "approver": approver,
            "decision": "approve" if approved else "reject",
            "at": at,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def pending_request(deps: PipelineDeps, job_id: UUID) -> ApprovalRequest | None:
    for request in reversed(deps.repos.approvals.requests_for_job(job_id)):
        if request.status == "pending":
            return request
    return None


def decide(
    deps: PipelineDeps,
    request_id: UUID,
    approver: str,
    role: str,
    approved: bool,
    comment: str | None,
    mfa_verified: bool = False,
) -> Decision:
    repos = deps.repos
    request = repos.approvals.get_request(request_id)
    if request.status != "pending":
        raise Conflict(f"approval request {request_id} is already {request.status}")
    if approver == request.requested_by:
        raise Forbidden("the person who requested the job cannot approve it")
    package = repos.packages.get(request.plugin_package_id)
    at = datetime.now(UTC).isoformat()
    _key, signer = deps.signer()
    statement = approval_statement(package.id, package.zip_sha256, package.signing_key_id, approver, approved, at)
    signature = base64.b64encode(signer.sign(statement)).decode()
    approval = repos.approvals.record(request, approver, role, approved, comment, mfa_verified, signature)
    logger.info("approval recorded", extra={"job_id": str(request.job_id), "approver": approver, "approved": approved})

    released = False
    if not approved:
        token = repos.approvals.decide(request.id, "rejected")
        if token:
            repos.packages.set_status(package.id, "rejected")
            _close_wait(deps, request, RunStatus.FAILED, f"rejected by {approver}: {comment or 'no reason given'}")
            deps.workflow.send_failure(token, "ApprovalRejected", f"rejected by {approver}: {comment or 'no reason'}")
            released = True
    elif repos.approvals.has_minimum(package.id, request.required_approvals):
        token = repos.approvals.decide(request.id, "approved")
        if token:  # only the caller whose UPDATE closed the request gets here
            approvers = [a.approver_id for a in repos.approvals.approvals_for_package(package.id) if a.approved]
            repos.packages.set_status(package.id, "approved")
            _close_wait(deps, request, RunStatus.SUCCESS, f"approved by {', '.join(approvers)}")
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
