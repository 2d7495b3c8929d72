"""The write-once (Object Lock) bucket every generation prompt and response is archived in (FORGE_AUDIT_BUCKET)."""

from __future__ import annotations

from typing import Protocol


class AuditArchive(Protocol):
    """An artifact store on the audit bucket (forge.artifacts.s3.S3ArtifactStore in AWS)."""

    def put(self, key: str, data: bytes) -> str: ...
