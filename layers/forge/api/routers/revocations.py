"""/packages/{id}/revoke: an admin revokes a package; the signed revocations.json is republished."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel, ConfigDict, Field, field_validator

from forge.api.auth import Admin
from forge.api.dependencies import Deps
from forge.pipeline.revocation import MAX_REASON, revoke_package

router = Router()

PackageId = Annotated[UUID, Path(description="Package id")]


class Revoke(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=MAX_REASON, description="Why; published in revocations.json")

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the reason must not be blank")
        return value.strip()


class RevocationView(BaseModel):
    package_id: UUID
    status: str
    revoked_at: datetime | None
    reason: str | None
    revoked_by: str
    revocation_list_version: int
    retracted_releases: int


@router.post("/packages/<package_id>/revoke", summary="Revoke a package (admin): retract it, publish revocations")
def revoke(package_id: PackageId, body: Revoke, principal: Admin, deps: Deps) -> RevocationView:
    done = revoke_package(deps, package_id, body.reason, principal.user)
    return RevocationView(
        package_id=done.package.id,
        status=done.package.status,
        revoked_at=done.package.revoked_at,
        reason=done.package.revocation_reason,
        revoked_by=principal.user,
        revocation_list_version=done.list_version,
        retracted_releases=done.retracted_releases,
    )
