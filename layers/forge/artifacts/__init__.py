"""Where step outputs live between steps: a local folder, or S3 in AWS. The adapters behind
forge.ports.artifacts.ArtifactStore (and forge.ports.audit.AuditArchive), chosen from the settings."""

from __future__ import annotations

from forge.config import Settings
from forge.ports.artifacts import ArtifactStore
from forge.ports.audit import AuditArchive


def artifact_store(settings: Settings) -> ArtifactStore:
    if settings.artifact_bucket:
        from forge.artifacts.s3 import S3ArtifactStore

        return S3ArtifactStore(settings.artifact_bucket)
    from forge.artifacts.local import LocalArtifactStore

    return LocalArtifactStore(settings.artifacts_dir)


def audit_archive(settings: Settings) -> AuditArchive | None:
    """The write-once audit bucket (FORGE_AUDIT_BUCKET), when there is one."""
    if not settings.audit_bucket:
        return None
    from forge.artifacts.s3 import S3ArtifactStore

    return S3ArtifactStore(settings.audit_bucket)
