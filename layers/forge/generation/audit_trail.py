"""The generation audit as one service: archive the full prompt and response in the write-once bucket first (when
there is one), then record the hash-chained row naming the object. The repository only records; the order is
decided here (forge.generation.audit_archive says why it is this order)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from forge.generation.audit_archive import METADATA_KEY, archive_object, store
from forge.ports.audit import AuditArchive
from forge.ports.repositories import GenerationAuditLog


@dataclass(frozen=True)
class AuditTrail:
    log: GenerationAuditLog
    # The write-once audit bucket (FORGE_AUDIT_BUCKET), when there is one.
    archive: AuditArchive | None = None

    def record(
        self,
        job_id: UUID | None,
        provider: str,
        model_version: str,
        prompt: str,
        response: str,
        metadata: dict[str, Any],
    ) -> str:
        """Archive (TransientError when the object cannot be written: no row then), then append the row; the row's
        hash."""
        if self.archive is not None:
            key, body = archive_object(job_id, provider, model_version, prompt, response, metadata)
            store(self.archive, key, body)
            metadata = {**metadata, METADATA_KEY: key}
        return self.log.append(job_id, provider, model_version, prompt, response, metadata)
