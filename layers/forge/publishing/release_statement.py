"""The release statement: signed after the approvals, naming who approved which manifest.

It names its own signing key (the key active at publication, which a rotation since signing may have changed)
so a merchant verifies it with keys/<key_id>.pem from the keyset.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from forge.models.package import Approval

STATEMENT_SCHEMA = "plugin-forge.release-statement/v1"


class Approver(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approver_id: str
    role: str
    approved_at: str
    mfa_verified: bool


class ReleaseStatement(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(default=STATEMENT_SCHEMA, alias="schema")
    package_id: str
    slug: str
    version: str
    manifest_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    zip_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    manifest_key_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    required_approvals: int = Field(ge=1)
    # Who asked for the job: never one of the approvers (the two-person rule a merchant can check).
    requested_by: str | None = None
    approvers: list[Approver]
    key_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    issued_at: str

    def canonical_bytes(self) -> bytes:
        body = json.dumps(
            self.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return (body + "\n").encode("utf-8")


def approvers_of(approvals: Sequence[Approval]) -> list[Approver]:
    """Those who approved (a rejection never releases a package, so it has no place in the statement)."""
    return [
        Approver(
            approver_id=a.approver_id,
            role=a.approver_role,
            approved_at=a.created_at.isoformat().replace("+00:00", "Z"),
            mfa_verified=a.mfa_verified,
        )
        for a in sorted(approvals, key=lambda a: (a.created_at, a.approver_id))
        if a.approved
    ]
