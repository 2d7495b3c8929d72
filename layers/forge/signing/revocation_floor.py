"""Rollback protection for `forge verify`: the highest revocations.json version accepted so far, per forge.

A revocation list is signed, but an old one is signed too: whoever serves a merchant's downloads could replay
the list from before a package was revoked. So the verifier remembers the highest version it accepted and
refuses a lower one. A forge is recognised by its keys: the version is remembered under every key id of the
keyset it verified with; a rotation keeps the old keys in keys.json (retired), so the memory carries over,
and two forges with different keys never share a floor.

The file is JSON at FORGE_HOME/verify/revocations-seen.json (default ~/.local/share/plugin-forge/...), or where
`forge verify --state` says.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from forge.errors import ForgeError

STATE_SCHEMA = "plugin-forge.revocations-seen/v1"
STATE_FILE = Path("verify") / "revocations-seen.json"


class Seen(BaseModel):
    version: int = Field(ge=1)
    seen_at: str


class RevocationFloor(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(default=STATE_SCHEMA, alias="schema")
    # key id -> the highest list version accepted from a keyset holding that key
    keys: dict[str, Seen] = Field(default_factory=dict)

    def highest(self, key_ids: Iterable[str]) -> Seen | None:
        seen = [self.keys[k] for k in key_ids if k in self.keys]
        return max(seen, key=lambda s: s.version) if seen else None

    def remember(self, key_ids: Iterable[str], version: int) -> None:
        now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        for key_id in key_ids:
            current = self.keys.get(key_id)
            if current is None or current.version < version:
                self.keys[key_id] = Seen(version=version, seen_at=now)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Two verifications at once must not interleave load and save: the later save could lower the floor."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path.with_name(path.name + ".lock"), "a")  # noqa: SIM115 - held for the block below
    except OSError as exc:
        raise ForgeError(f"cannot lock {path}: {exc.strerror}") from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def load_floor(path: Path) -> RevocationFloor:
    """An absent file is a first run; a damaged one is an error, not a silent reset (that would re-open the
    very rollback it guards against)."""
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        return RevocationFloor()
    except OSError as exc:
        raise ForgeError(f"cannot read {path}: {exc.strerror}") from None
    try:
        floor = RevocationFloor.model_validate_json(body)
    except ValidationError:
        raise ForgeError(f"{path} is not a revocation state file; delete it to start over") from None
    if floor.schema_ != STATE_SCHEMA:
        raise ForgeError(f"{path} has schema {floor.schema_!r}, expected {STATE_SCHEMA!r}")
    return floor


def save_floor(path: Path, floor: RevocationFloor) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w") as handle:
            json.dump(floor.model_dump(mode="json", by_alias=True), handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(tmp, path)
    except OSError as exc:
        raise ForgeError(f"cannot write {path}: {exc.strerror}") from None
