"""/approvals: ask for a decision on a package; approvers approve or reject it with a TOTP code."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Depends, Request, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from forge.api.auth import Ops, rest_event
from forge.api.dependencies import Deps
from forge.api.schemas import (
    ApprovalQueue,
    ApprovalRequestCreated,
    ApprovalRequestView,
    ApprovalView,
    Decide,
    DecisionView,
    PackageView,
    QueuedApproval,
    RequestApproval,
)
from forge.auth import mfa
from forge.auth.secret_box import secret_box
from forge.models.package import ApprovalStatus
from forge.pipeline.approvals import MfaCheck, decide, request_for_package
from forge.pipeline.deps import PipelineDeps

router = Router()

RequestId = Annotated[UUID, Path(description="Approval request id")]


def _source_ip(request: Request) -> str:
    """API Gateway's view of the client's address (from this request's event: a router's `current_event` is that
    of the resolver that included it last, which may be serving another request)."""
    return rest_event(request.resolved_event).request_context.identity.source_ip


# Recorded with a failed code: who was guessing, from where.
SourceIp = Annotated[str, Depends(_source_ip)]


def _code_check(deps: PipelineDeps, source_ip: str) -> MfaCheck:
    def verify(approver: str, code: str) -> None:
        mfa.verify(deps.repos.approvers, secret_box(deps.settings), approver, code, source_ip=source_ip)

    return verify


def _decide(
    deps: PipelineDeps, request_id: UUID, principal: Ops, body: Decide, approved: bool, source_ip: str
) -> DecisionView:
    check = _code_check(deps, source_ip)
    result = decide(deps, request_id, principal.user, principal.role, approved, body.comment, body.mfa_code, check)
    return DecisionView(
        approval=ApprovalView.of(result.approval),
        request=ApprovalRequestView.of(result.request),
        released=result.released,
    )


@router.get("/approvals", summary="Approval requests (the pending ones by default, the oldest first)")
def list_approvals(
    principal: Ops,
    deps: Deps,
    status: Annotated[ApprovalStatus, Query()] = ApprovalStatus.PENDING,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ApprovalQueue:
    repos = deps.repos
    items = []
    for request in repos.package_views.approval_queue(status.value, limit):
        package_id = request.plugin_package_id
        items.append(
            QueuedApproval(
                request=ApprovalRequestView.of(request),
                package=PackageView.of(repos.packages.get(package_id)),
                approvals=[ApprovalView.of(a) for a in repos.approvals.approvals_for_package(package_id)],
            )
        )
    return ApprovalQueue(items=items)


@router.post(
    "/approvals",
    summary="Ask approvers to decide on a signed package (the pending request if one is open)",
    responses={201: {"description": "Request opened"}, 200: {"description": "The request already pending"}},
)
def request_approval(body: RequestApproval, principal: Ops, deps: Deps) -> Response[ApprovalRequestCreated]:
    request, created = request_for_package(deps, body.package_id, principal.user)
    return Response(
        status_code=201 if created else 200,
        content_type="application/json",
        body=ApprovalRequestCreated(request=ApprovalRequestView.of(request), created=created),
    )


@router.post("/approvals/<request_id>/approve", summary="Approve the package awaiting approval (TOTP code required)")
def approve(request_id: RequestId, body: Decide, principal: Ops, deps: Deps, source_ip: SourceIp) -> DecisionView:
    return _decide(deps, request_id, principal, body, approved=True, source_ip=source_ip)


@router.post("/approvals/<request_id>/reject", summary="Reject the package: the job fails with the reason")
def reject(request_id: RequestId, body: Decide, principal: Ops, deps: Deps, source_ip: SourceIp) -> DecisionView:
    return _decide(deps, request_id, principal, body, approved=False, source_ip=source_ip)
