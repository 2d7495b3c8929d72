"""Where step outputs live between steps: a local folder, or S3 in AWS (forge.artifacts)."""

from __future__ import annotations

from typing import Protocol


class ArtifactStore(Protocol):
    def put(self, key: str, data: bytes) -> str:
        """Store `data` under `key` (overwriting: every writer is idempotent) and return its URI."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes under `key`; NotFound when there are none."""
        ...

    def exists(self, key: str) -> bool: ...
