"""/approvers: admins enrol an approver's TOTP secret (the otpauth URI is shown once, then only kept sealed), see
who is locked by failed codes, unlock, deactivate, and read each approver's security events."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from forge.api.auth import Admin
from forge.api.dependencies import Deps
from forge.api.schemas import (
    ApproverAction,
    ApproverList,
    ApproverView,
    EnrollApprover,
    EnrolmentView,
    SecurityEventList,
    SecurityEventView,
)
from forge.auth import mfa
from forge.auth.secret_box import secret_box

router = Router()

ApproverName = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._@-]+$")]


@router.post(
    "/approvers",
    summary="Enrol an approver for TOTP MFA (admin); returns the otpauth URI once. Re-enrolling (replace) also "
    "reactivates and unlocks",
    responses={201: {"description": "Enrolled"}},
)
def enroll_approver(body: EnrollApprover, principal: Admin, deps: Deps) -> Response[EnrolmentView]:
    enrolment = mfa.enroll(deps.repos.approvers, secret_box(deps.settings), body.name, principal.user, body.replace)
    return Response(
        status_code=201,
        content_type="application/json",
        body=EnrolmentView(name=enrolment.name, otpauth_uri=enrolment.otpauth_uri, secret=enrolment.seed),
        headers={"Cache-Control": "no-store"},
    )


@router.get("/approvers", summary="Every enrolled approver: active, locked by failed MFA codes, failures (admin)")
def list_approvers(principal: Admin, deps: Deps) -> ApproverList:
    policy = mfa.LOCKOUT
    return ApproverList(
        approvers=[ApproverView.of(s, policy.window) for s in deps.repos.approvers.statuses()],
        max_failures=policy.max_failures,
        window_seconds=int(policy.window.total_seconds()),
    )


@router.get("/approvers/<name>/events", summary="An approver's security events, newest first (admin)")
def approver_events(
    name: ApproverName, principal: Admin, deps: Deps, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> SecurityEventList:
    events = deps.repos.approvers.events(name, limit)
    return SecurityEventList(events=[SecurityEventView.of(e) for e in events])


@router.post("/approvers/<name>/unlock", summary="Unlock an approver locked by failed MFA codes (admin; audited)")
def unlock_approver(name: ApproverName, body: ApproverAction, principal: Admin, deps: Deps) -> ApproverView:
    status = deps.repos.approvers.unlock(name, principal.user, body.reason)
    return ApproverView.of(status, mfa.LOCKOUT.window)


@router.post(
    "/approvers/<name>/deactivate",
    summary="Deactivate an approver (admin; audited): they cannot approve, and their approvals no longer count",
)
def deactivate_approver(name: ApproverName, body: ApproverAction, principal: Admin, deps: Deps) -> ApproverView:
    status = deps.repos.approvers.deactivate(name, principal.user, body.reason)
    return ApproverView.of(status, mfa.LOCKOUT.window)
