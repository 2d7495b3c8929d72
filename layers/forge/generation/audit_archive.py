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
from typing import Any
from uuid import UUID

from forge.errors import TransientError
from forge.ports.audit import AuditArchive

ARCHIVE_SCHEMA = "plugin-forge.generation-audit/v1"
METADATA_KEY = "archive_key"


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
    except Exception as exc:
        raise TransientError(f"could not write the generation audit object {key}: {exc}") from exc
