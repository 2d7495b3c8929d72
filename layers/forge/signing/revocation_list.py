"""revocations.json: a signed, monotonically versioned list of revoked packages.

The body is canonical JSON (sorted keys, no spaces, trailing newline), signed like the manifest, so
`openssl dgst -sha256 -verify` checks it with the key the list names.
"""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

REVOCATIONS_SCHEMA = "plugin-forge.revocations/v1"


class RevokedPackage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    package_id: str
    slug: str
    version: str
    zip_sha256: str | None
    signing_key_id: str | None
    revoked_at: datetime
    reason: str


class RevocationList(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(default=REVOCATIONS_SCHEMA, alias="schema")
    version: int = Field(ge=1)
    issued_at: str
    key_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    revoked: list[RevokedPackage]

    def canonical_bytes(self) -> bytes:
        body = json.dumps(
            self.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return (body + "\n").encode("utf-8")

    def find(self, zip_sha256: str | None, slug: str | None, version: str | None) -> RevokedPackage | None:
        """A package is revoked when its zip digest is listed, or its slug@version is."""
        for entry in self.revoked:
            if zip_sha256 and entry.zip_sha256 == zip_sha256:
                return entry
            if slug and version and (entry.slug, entry.version) == (slug, version):
                return entry
        return None


def parse_revocations(body: bytes) -> RevocationList | None:
    try:
        parsed = RevocationList.model_validate_json(body)
    except ValidationError:
        return None
    return parsed if parsed.schema_ == REVOCATIONS_SCHEMA else None
