"""/approvers: admins enrol an approver's TOTP secret; the otpauth URI is shown once, then only kept sealed."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from forge.api.auth import Admin
from forge.api.schemas import EnrollApprover, EnrolmentView
from forge.auth import mfa
from forge.auth.secret_box import secret_box
from forge.wiring import default_deps

router = Router()


@router.post(
    "/approvers",
    summary="Enrol an approver for TOTP MFA (admin); returns the otpauth URI once",
    responses={201: {"description": "Enrolled"}},
)
def enroll_approver(body: EnrollApprover, principal: Admin) -> Response[EnrolmentView]:
    deps = default_deps()
    enrolment = mfa.enroll(deps.repos.approvers, secret_box(deps.settings), body.name, principal.user, body.replace)
    return Response(
        status_code=201,
        content_type="application/json",
        body=EnrolmentView(name=enrolment.name, otpauth_uri=enrolment.otpauth_uri, secret=enrolment.seed),
        headers={"Cache-Control": "no-store"},
    )
