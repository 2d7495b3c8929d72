"""/approvals: approvers approve or reject the package a job is waiting on."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from forge.api.auth import Ops
from forge.api.schemas import ApprovalRequestView, ApprovalView, Decide, DecisionView
from forge.pipeline.approvals import decide
from forge.wiring import default_deps

router = Router()

RequestId = Annotated[UUID, Path(description="Approval request id")]


def _decide(request_id: UUID, principal: Ops, body: Decide, approved: bool) -> DecisionView:
    result = decide(default_deps(), request_id, principal.user, principal.role, approved, body.comment)
    return DecisionView(
        approval=ApprovalView.of(result.approval),
        request=ApprovalRequestView.of(result.request),
        released=result.released,
    )


@router.post("/approvals/<request_id>/approve", summary="Approve the package awaiting approval")
def approve(request_id: RequestId, body: Decide, principal: Ops) -> DecisionView:
    return _decide(request_id, principal, body, approved=True)


@router.post("/approvals/<request_id>/reject", summary="Reject the package: the job fails with the reason")
def reject(request_id: RequestId, body: Decide, principal: Ops) -> DecisionView:
    return _decide(request_id, principal, body, approved=False)
