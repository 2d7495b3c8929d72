"""workflow_callbacks: the outbox of answers to waiting workflows (migration 008)."""

from __future__ import annotations

from uuid import UUID

from psycopg2.extras import Json

from forge.db.connection import Cursor, Database
from forge.db.errors import translates_driver_errors
from forge.models.callback import CallbackMessage, WorkflowCallback

# How long a claimed callback stays out of other sweepers' hands while its sender talks to Step Functions.
CLAIM_LEASE_SECONDS = 60


def enqueue(cur: Cursor, request_id: UUID, job_id: UUID | None, token: str, message: CallbackMessage) -> UUID | None:
    """Queue inside the caller's transaction; None when the request already has its callback."""
    cur.execute(
        """INSERT INTO workflow_callbacks (approval_request_id, job_id, task_token, outcome, output, error, cause)
           VALUES (%s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (approval_request_id) DO NOTHING
           RETURNING id""",
        (
            request_id,
            job_id,
            token,
            message.outcome,
            Json(message.output) if message.output is not None else None,
            message.error,
            message.cause,
        ),
    )
    row = cur.fetchone()
    return row["id"] if row else None


@translates_driver_errors
class CallbackRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(self, request_id: UUID, job_id: UUID | None, token: str, message: CallbackMessage) -> UUID | None:
        with self.db.transaction() as cur:
            return enqueue(cur, request_id, job_id, token, message)

    def claim(self, callback_id: UUID) -> WorkflowCallback | None:
        """This callback, if it is due and nobody else holds it; the claim is a lease until it is settled."""
        row = self.db.fetchone(
            """UPDATE workflow_callbacks
               SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => %s)
               WHERE id = %s AND delivered_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= now()
               RETURNING *""",
            (CLAIM_LEASE_SECONDS, callback_id),
        )
        return WorkflowCallback.model_validate(row) if row else None

    def claim_due(self, limit: int) -> list[WorkflowCallback]:
        """Up to `limit` due callbacks, oldest first; concurrent sweepers never get the same one."""
        rows = self.db.fetchall(
            """UPDATE workflow_callbacks
               SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => %s)
               WHERE id IN (SELECT id FROM workflow_callbacks
                            WHERE delivered_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= now()
                            ORDER BY next_attempt_at LIMIT %s FOR UPDATE SKIP LOCKED)
               RETURNING *""",
            (CLAIM_LEASE_SECONDS, limit),
        )
        return sorted((WorkflowCallback.model_validate(r) for r in rows), key=lambda c: c.created_at)

    def delivered(self, callback_id: UUID) -> None:
        self.db.execute(
            "UPDATE workflow_callbacks SET delivered_at = now(), last_error = NULL WHERE id = %s", (callback_id,)
        )

    def retry_later(self, callback_id: UUID, error: str, delay_seconds: float) -> None:
        self.db.execute(
            """UPDATE workflow_callbacks SET last_error = %s, next_attempt_at = now() + make_interval(secs => %s)
               WHERE id = %s""",
            (error[:2000], delay_seconds, callback_id),
        )

    def abandon(self, callback_id: UUID, reason: str) -> None:
        self.db.execute(
            "UPDATE workflow_callbacks SET abandoned_at = now(), abandoned_reason = %s WHERE id = %s",
            (reason[:2000], callback_id),
        )

    def for_request(self, request_id: UUID) -> WorkflowCallback | None:
        row = self.db.fetchone("SELECT * FROM workflow_callbacks WHERE approval_request_id = %s", (request_id,))
        return WorkflowCallback.model_validate(row) if row else None

    def undelivered(self) -> int:
        row = self.db.fetchone(
            "SELECT count(*) AS n FROM workflow_callbacks WHERE delivered_at IS NULL AND abandoned_at IS NULL"
        )
        return int(row["n"]) if row else 0
