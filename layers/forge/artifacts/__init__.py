"""Where step outputs live between steps: a local folder, or S3 in AWS."""

from __future__ import annotations

from typing import Protocol

from forge.config import Settings


class ArtifactStore(Protocol):
    def put(self, key: str, data: bytes) -> str:
        """Store `data` under `key` (overwriting: every writer is idempotent) and return its URI."""
        ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...


def artifact_store(settings: Settings) -> ArtifactStore:
    if settings.artifact_bucket:
        from forge.artifacts.s3 import S3ArtifactStore

        return S3ArtifactStore(settings.artifact_bucket)
    from forge.artifacts.local import LocalArtifactStore

    return LocalArtifactStore(settings.artifacts_dir)
