"""sira_generation_audit: an append-only hash chain of every generation prompt and response. It only records:
archiving the full texts first is the generation service's work (forge.generation.audit_trail)."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from uuid import UUID

from psycopg2.extras import Json

from forge.db.connection import Database
from forge.db.errors import translates_driver_errors
from forge.models.audit import GENESIS, ChainReport

VERIFY_BATCH = 500


def row_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _chained_fields(row: dict[str, Any]) -> dict[str, Any]:
    """The columns row_hash covers, as append() hashed them."""
    return {
        "job_id": str(row["job_id"]) if row["job_id"] else None,
        "provider": row["provider"],
        "model_version": row["model_version"],
        "prompt_hash": row["prompt_hash"],
        "response_hash": row["response_hash"],
        "metadata": row["metadata"],
    }


@translates_driver_errors
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
            # Round-tripped through JSON so the hash covers exactly what jsonb gives back on verify.
            "metadata": json.loads(json.dumps(metadata, default=str)),
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
                    Json(fields["metadata"]),
                    prev,
                    digest,
                ),
            )
        return digest

    def for_job(self, job_id: UUID) -> list[dict[str, Any]]:
        return self.db.fetchall("SELECT * FROM sira_generation_audit WHERE job_id = %s ORDER BY id", (job_id,))

    def verify(self, expect_head: str | None = None) -> ChainReport:
        """Walk the chain in id order; the first row whose links or hashes do not hold is named.

        A chain cut short is still a valid chain, so removing the newest rows only shows against a head recorded
        earlier: `expect_head` is looked for among the verified rows (later appends are fine)."""
        expected_prev = GENESIS
        rows = 0
        after = 0
        head_at = 0 if expect_head == GENESIS else None
        while True:
            batch = self.db.fetchall(
                "SELECT * FROM sira_generation_audit WHERE id > %s ORDER BY id LIMIT %s", (after, VERIFY_BATCH)
            )
            if not batch:
                return ChainReport(rows=rows, last_hash=expected_prev, expected_head_at=head_at)
            for row in batch:
                reason = self._problem(row, expected_prev)
                if reason:
                    return ChainReport(
                        rows=rows,
                        broken_id=row["id"],
                        broken_audit_id=str(row["audit_id"]),
                        reason=reason,
                        last_hash=expected_prev,
                    )
                expected_prev = row["row_hash"]
                rows += 1
                after = row["id"]
                if expect_head is not None and row["row_hash"] == expect_head:
                    head_at = rows

    @staticmethod
    def _problem(row: dict[str, Any], expected_prev: str) -> str:
        if row["prev_hash"] != expected_prev:
            return f"prev_hash {row['prev_hash'][:12]}… does not match the previous row's hash {expected_prev[:12]}…"
        if hashlib.sha256(row["prompt"].encode()).hexdigest() != row["prompt_hash"]:
            return "prompt does not match prompt_hash (the prompt was changed)"
        if row_hash(row["prev_hash"], _chained_fields(row)) != row["row_hash"]:
            return "row_hash does not match the row's content (a field was changed)"
        return ""
