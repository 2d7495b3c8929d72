"""sira_generation_audit: an append-only hash chain of every generation prompt and response."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from uuid import UUID

from psycopg2.extras import Json

from forge.db.connection import Database

GENESIS = "0" * 64


def row_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def append(
        self,
        job_id: UUID | None,
        provider: str,
        model_version: str,
        prompt: str,
        response: str,
        metadata: dict[str, Any],
    ) -> str:
        """Append one row chained to the previous one; the table lock keeps the chain linear."""
        fields = {
            "job_id": str(job_id) if job_id else None,
            "provider": provider,
            "model_version": model_version,
            "prompt_hash": hashlib.sha256(prompt.encode()).hexdigest(),
            "response_hash": hashlib.sha256(response.encode()).hexdigest(),
            "metadata": metadata,
        }
        with self.db.transaction() as cur:
            cur.execute("LOCK TABLE sira_generation_audit IN SHARE ROW EXCLUSIVE MODE")
            cur.execute("SELECT row_hash FROM sira_generation_audit ORDER BY id DESC LIMIT 1")
            last = cur.fetchone()
            prev = last["row_hash"] if last else GENESIS
            digest = row_hash(prev, fields)
            cur.execute(
                """INSERT INTO sira_generation_audit (job_id, provider, model_version, prompt, prompt_hash,
                                                      response_hash, metadata, prev_hash, row_hash)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                (
                    job_id,
                    provider,
                    model_version,
                    prompt,
                    fields["prompt_hash"],
                    fields["response_hash"],
                    Json(metadata),
                    prev,
                    digest,
                ),
            )
        return digest
