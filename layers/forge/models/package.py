"""Packages, their signed manifest, approvals, keys and publications."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

# The two-person rule: the fewest distinct approvers any release may carry, whatever FORGE_MIN_APPROVALS says.
APPROVAL_FLOOR = 2


class PackageStatus(StrEnum):
    """plugin_packages.status (the CHECK constraint of migration 001)."""

    BUILDING = "building"
    BUILT = "built"
    SIGNED = "signed"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    PUBLISHED = "published"
    REJECTED = "rejected"
    FAILED = "failed"
    REVOKED = "revoked"

    @property
    def final(self) -> bool:
        """Rejected and revoked are final: nothing resumes the package, a new job (a new version) is the way on."""
        return self in (PackageStatus.REJECTED, PackageStatus.REVOKED)


class ApprovalStatus(StrEnum):
    """approval_requests.status."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class _Row(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="ignore")


class Package(_Row):
    id: UUID
    name: str
    slug: str
    version: str
    cms: str
    status: PackageStatus
    manifest: dict[str, Any] | None = None
    signature: str | None = None
    signing_key_id: str | None = None
    zip_sha256: str | None = None
    artifact_uri: str | None = None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None
    created_by: str
    created_at: datetime
    updated_at: datetime


class Manifest(BaseModel):
    """The small document the forge signs (not the zip): everything a merchant checks, nothing more."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: Literal["plugin-forge.manifest/v1"] = Field(default="plugin-forge.manifest/v1", alias="schema")
    zip_name: str
    zip_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    zip_size: int
    # The SBOM beside the zip: signed through the manifest, so a swapped SBOM is caught like a swapped zip.
    sbom_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    name: str
    slug: str
    version: str
    platform: str
    key_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    issued_at: str
    job_id: str
    spec_digest: str = Field(pattern=r"^[0-9a-f]{64}$")

    def canonical_bytes(self) -> bytes:
        """Sorted keys, no insignificant whitespace, UTF-8, trailing newline: the exact bytes signed."""
        body = json.dumps(
            self.model_dump(mode="json", by_alias=True),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return (body + "\n").encode("utf-8")


class ApprovalRequest(_Row):
    id: UUID
    plugin_package_id: UUID
    job_id: UUID | None
    requested_by: str
    required_approvals: int
    status: ApprovalStatus
    task_token: str | None = Field(default=None, exclude=True)
    decided_at: datetime | None = None
    expires_at: datetime | None = None
    created_at: datetime


class Approval(_Row):
    id: UUID
    plugin_package_id: UUID
    approval_request_id: UUID | None
    approver_id: str
    approver_role: str
    approved: bool
    comment: str | None = None
    mfa_verified: bool
    signature: str
    created_at: datetime


class SignedApproval(Approval):
    """An approval row with the key that signed its statement (added by migration 002)."""

    signing_key_id: str | None = None


class SigningKey(_Row):
    key_id: str
    public_pem: str
    backend: str
    backend_ref: str
    status: str
    created_at: datetime
    activated_at: datetime
    retired_at: datetime | None = None
    algorithm: str = "ecdsa-p256-sha256"


class RevocationListRow(_Row):
    version: int
    body: str
    signature: str
    signing_key_id: str
    package_count: int
    created_at: datetime
