"""Every generation prompt and response as an object in the write-once (Object Lock) audit bucket, beside the
hash-chained sira_generation_audit row that stays the source of truth.

The object's key ends in the SHA-256 of its body, and the key goes into the row's metadata, which the chain
hashes: the row proves which object belongs to it, the object's name proves its bytes. The object is written
before the row; when the write fails the generation fails (a retry repeats it), so no audited call is missing
from the bucket. An object whose row never got written (the database failed after the put) is harmless
evidence of an attempt.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol
from uuid import UUID

from forge.config import Settings
from forge.errors import TransientError

ARCHIVE_SCHEMA = "plugin-forge.generation-audit/v1"
METADATA_KEY = "archive_key"


class AuditArchive(Protocol):
    """An artifact store on the audit bucket (forge.artifacts.s3.S3ArtifactStore)."""

    def put(self, key: str, data: bytes) -> str: ...


def audit_archive(settings: Settings) -> AuditArchive | None:
    if not settings.audit_bucket:
        return None
    from forge.artifacts.s3 import S3ArtifactStore

    return S3ArtifactStore(settings.audit_bucket)


def archive_object(
    job_id: UUID | None, provider: str, model_version: str, prompt: str, response: str, metadata: dict[str, Any]
) -> tuple[str, bytes]:
    """(key, body): canonical JSON of the full prompt and response, keyed by job and content digest."""
    body = json.dumps(
        {
            "schema": ARCHIVE_SCHEMA,
            "job_id": str(job_id) if job_id else None,
            "provider": provider,
            "model_version": model_version,
            "prompt": prompt,
            "prompt_sha256": hashlib.sha256(prompt.encode()).hexdigest(),
            "response": response,
            "response_sha256": hashlib.sha256(response.encode()).hexdigest(),
            "metadata": metadata,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    ).encode()
    key = f"generation/{job_id or 'no-job'}/{hashlib.sha256(body).hexdigest()}.json"
    return key, body


def store(archive: AuditArchive, key: str, body: bytes) -> None:
    try:
        archive.put(key, body)
    except Exception as exc:  # noqa: BLE001 - whatever the adapter raises, the audit is incomplete: retry the step
        raise TransientError(f"could not write the generation audit object {key}: {exc}") from exc
