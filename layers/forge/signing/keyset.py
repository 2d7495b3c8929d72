"""keys.json: the public keyset merchants check a signing key against (also served by GET /keys)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from forge.models.package import SigningKey

KEYSET_SCHEMA = "plugin-forge.keyset/v1"


class PublicKey(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    algorithm: str
    public_pem: str
    backend: str
    # active: signs now; retired: verify-only (what it signed before retirement still verifies); compromised:
    # nothing it signed is trusted.
    status: str
    created_at: datetime
    activated_at: datetime
    retired_at: datetime | None = None

    @classmethod
    def of(cls, key: SigningKey) -> PublicKey:
        return cls.model_validate(key.model_dump())


class Keyset(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    schema_: str = Field(default=KEYSET_SCHEMA, alias="schema")
    keys: list[PublicKey]

    def by_id(self) -> dict[str, PublicKey]:
        return {k.key_id: k for k in self.keys}

    def pems(self) -> dict[str, bytes]:
        """Keys that may still be trusted for verification (everything but compromised)."""
        return {k.key_id: k.public_pem.encode() for k in self.keys if k.status != "compromised"}


def keyset_of(keys: Sequence[SigningKey]) -> Keyset:
    return Keyset(keys=[PublicKey.of(k) for k in keys])


def keyset_bytes(keyset: Keyset) -> bytes:
    return (json.dumps(keyset.model_dump(mode="json", by_alias=True), indent=2, sort_keys=True) + "\n").encode()


def parse_keyset(body: bytes) -> Keyset | None:
    try:
        keyset = Keyset.model_validate_json(body)
    except ValidationError:
        return None
    return keyset if keyset.schema_ == KEYSET_SCHEMA else None
