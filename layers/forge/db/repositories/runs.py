"""forge_runs: one row per step delivery, written by the bookkeeping in forge.pipeline.bookkeeping."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg2.extras import Json

from forge.db.connection import Database
from forge.db.errors import translates_driver_errors
from forge.models.job import Run, RunStatus, Step

MAX_LOG_CHARS = 2_000_000


@translates_driver_errors
class RunRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def open(self, job_id: UUID, step: Step, delivery_key: str) -> tuple[Run, bool]:
        """The run for this delivery: (run, True) when it already existed (a re-delivered task)."""
        with self.db.transaction() as cur:
            # Serialise openers of the same job so attempt numbers never collide.
            cur.execute("SELECT id FROM forge_jobs WHERE id = %s FOR UPDATE", (job_id,))
            cur.execute(
                "SELECT * FROM forge_runs WHERE job_id = %s AND step = %s AND delivery_key = %s",
                (job_id, step.value, delivery_key),
            )
            row = cur.fetchone()
            if row:
                return Run.model_validate(row), True
            cur.execute(
                """INSERT INTO forge_runs (job_id, step, attempt, delivery_key)
                   SELECT %s, %s, coalesce(max(attempt), 0) + 1, %s
                   FROM forge_runs WHERE job_id = %s AND step = %s
                   RETURNING *""",
                (job_id, step.value, delivery_key, job_id, step.value),
            )
            run = Run.model_validate(cur.fetchone())
            # A new delivery of the step means the workflow gave up on the earlier ones: an attempt still "running"
            # died without closing its run (its process killed, its database gone when it failed). Closed here, in
            # the same transaction, so no job ever shows two attempts of one step running.
            cur.execute(
                """UPDATE forge_runs SET status = 'failed', finished_at = now(),
                          error = coalesce(error, 'superseded by attempt ' || %s || ': this attempt ended without '
                                                  || 'recording its outcome (its process or database went away)')
                   WHERE job_id = %s AND step = %s AND status = 'running' AND id <> %s""",
                (run.attempt, job_id, step.value, run.id),
            )
            return run, False

    def restart(self, run_id: UUID) -> None:
        """A re-delivered task whose first delivery failed or is still marked running: run it again."""
        self.db.execute(
            """UPDATE forge_runs SET status = 'running', started_at = now(), finished_at = NULL, error = NULL,
                      logs = logs || E'\\n--- re-delivered: running again ---\\n'
               WHERE id = %s""",
            (run_id,),
        )

    def append_log(self, run_id: UUID, text: str) -> None:
        if not text.endswith("\n"):
            text += "\n"
        self.db.execute(
            "UPDATE forge_runs SET logs = right(logs || %s, %s) WHERE id = %s", (text, MAX_LOG_CHARS, run_id)
        )

    def merge_artifacts(self, run_id: UUID, artifacts: dict[str, Any]) -> None:
        self.db.execute("UPDATE forge_runs SET artifacts = artifacts || %s WHERE id = %s", (Json(artifacts), run_id))

    def finish(
        self,
        run_id: UUID,
        status: RunStatus,
        artifacts: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> bool:
        """Close a running run; False if it was closed already (e.g. cancelled meanwhile)."""
        return (
            self.db.execute(
                """UPDATE forge_runs SET status = %s, artifacts = artifacts || %s, error = %s, finished_at = now()
                   WHERE id = %s AND status = 'running'""",
                (status.value, Json(artifacts or {}), error, run_id),
            )
            == 1
        )

    def close_running(self, job_id: UUID, status: RunStatus, error: str) -> int:
        return self.db.execute(
            """UPDATE forge_runs SET status = %s, error = %s, finished_at = now()
               WHERE job_id = %s AND status = 'running'""",
            (status.value, error, job_id),
        )

    def for_job(self, job_id: UUID) -> list[Run]:
        rows = self.db.fetchall("SELECT * FROM forge_runs WHERE job_id = %s ORDER BY started_at, attempt", (job_id,))
        return [Run.model_validate(r) for r in rows]

    def last_failed(self, job_id: UUID) -> Run | None:
        row = self.db.fetchone(
            """SELECT * FROM forge_runs WHERE job_id = %s AND status IN ('failed', 'cancelled')
               ORDER BY started_at DESC, attempt DESC LIMIT 1""",
            (job_id,),
        )
        return Run.model_validate(row) if row else None
