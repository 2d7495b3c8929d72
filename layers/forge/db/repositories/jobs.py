"""forge_jobs, and the package row each job produces."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg2.extras import Json

from forge.db.connection import Database, required_row
from forge.db.errors import translates_driver_errors
from forge.db.repositories.keyset_page import newest_first
from forge.errors import Conflict, NotFound
from forge.models.job import Job, JobStatus, JobSummary, Step
from forge.models.spec import PluginSpec

_FINISHED = ("success", "failed", "cancelled")


def _stored_digest(row: dict[str, Any]) -> str:
    """The job's spec digest; jobs created before migration 006 have none, so hash their params the same way
    PluginSpec.digest() does (params is that very model_dump)."""
    if row["spec_digest"]:
        return str(row["spec_digest"])
    canonical = json.dumps(row["params"], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# What a list shows of a job: Postgres picks the three fields out of the spec, which never leaves the database.
_SUMMARY_COLUMNS = (
    "id, plugin_package_id, requested_by, cms, status, current_step, execution_arn, error, started_at, finished_at, "
    "created_at, coalesce(params->>'name', '') AS name, coalesce(params->>'slug', '') AS slug, "
    "coalesce(params->>'version', '') AS version"
)


@translates_driver_errors
class JobRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, spec: PluginSpec, requested_by: str, idempotency_key: str | None) -> tuple[Job, bool]:
        """Insert the job and its package in one transaction. With an idempotency key this requester already
        used, return the existing job and False instead: concurrent identical requests create exactly one job
        (the unique index makes the losers wait for the winner's commit, then find its row). The same key with a
        different spec is refused (Conflict): silently answering with the earlier job would drop this request."""
        digest = spec.digest()
        with self.db.transaction() as cur:
            cur.execute(
                """INSERT INTO forge_jobs (requested_by, params, cms, idempotency_key, spec_digest)
                   VALUES (%s, %s, %s, %s, %s)
                   ON CONFLICT (requested_by, idempotency_key) DO NOTHING
                   RETURNING id""",
                (requested_by, Json(spec.model_dump(mode="json")), spec.platform, idempotency_key, digest),
            )
            inserted = cur.fetchone()
            if inserted is None:
                cur.execute(
                    "SELECT * FROM forge_jobs WHERE requested_by = %s AND idempotency_key = %s",
                    (requested_by, idempotency_key),
                )
                existing = required_row(cur.fetchone())
                if _stored_digest(existing) != digest:
                    raise Conflict(
                        f"Idempotency-Key {idempotency_key!r} was already used by {requested_by} for a different "
                        f"spec (job {existing['id']}); use a new key for a new request"
                    )
                return Job.model_validate(existing), False
            cur.execute(
                """WITH pkg AS (
                     INSERT INTO plugin_packages (name, slug, version, cms, created_by)
                     VALUES (%s, %s, %s, %s, %s) RETURNING id)
                   UPDATE forge_jobs SET plugin_package_id = (SELECT id FROM pkg) WHERE id = %s RETURNING *""",
                (spec.name, spec.slug, spec.version, spec.platform, requested_by, inserted["id"]),
            )
            return Job.model_validate(cur.fetchone()), True

    def get(self, job_id: UUID) -> Job:
        row = self.db.fetchone("SELECT * FROM forge_jobs WHERE id = %s", (job_id,))
        if row is None:
            raise NotFound(f"job {job_id} not found")
        return Job.model_validate(row)

    def page(
        self,
        *,
        status: str | None = None,
        cms: str | None = None,
        requested_by: str | None = None,
        before: tuple[datetime, UUID] | None = None,
        limit: int = 50,
    ) -> list[JobSummary]:
        """Newest first; `before` is the (created_at, id) of the last row of the previous page."""
        filters = {"status": status, "cms": cms, "requested_by": requested_by}
        rows = newest_first(self.db, "forge_jobs", filters, before, limit, _SUMMARY_COLUMNS)
        return [JobSummary.model_validate(r) for r in rows]

    def started(self, job_id: UUID, execution_arn: str) -> None:
        self.db.execute(
            """UPDATE forge_jobs SET status = 'running', execution_arn = %s, error = NULL, finished_at = NULL,
                      started_at = coalesce(started_at, now())
               WHERE id = %s""",
            (execution_arn, job_id),
        )

    def at_step(self, job_id: UUID, step: Step) -> bool:
        """Record the step now running; False when the job already finished (a late task must not revive it)."""
        return (
            self.db.execute(
                """UPDATE forge_jobs SET current_step = %s, status = %s
                   WHERE id = %s AND status NOT IN %s""",
                (step.value, JobStatus.RUNNING.value, job_id, _FINISHED),
            )
            == 1
        )

    def awaiting_approval(self, job_id: UUID) -> bool:
        """The job waits on approvers: set once its approval request exists, so whoever sees the status can act."""
        return (
            self.db.execute(
                "UPDATE forge_jobs SET status = %s WHERE id = %s AND status NOT IN %s",
                (JobStatus.AWAITING_APPROVAL.value, job_id, _FINISHED),
            )
            == 1
        )

    def finish(self, job_id: UUID, status: JobStatus, error: str | None = None) -> bool:
        """Move an unfinished job to a final status; False when it had already finished."""
        if not status.finished:
            raise ValueError(f"{status} is not a final status")
        return (
            self.db.execute(
                """UPDATE forge_jobs SET status = %s, error = %s, finished_at = now()
                   WHERE id = %s AND status NOT IN %s""",
                (status.value, error, job_id, _FINISHED),
            )
            == 1
        )

    def reopen(self, job_id: UUID) -> bool:
        """A failed job goes back to queued for `retry`."""
        return (
            self.db.execute(
                """UPDATE forge_jobs SET status = 'queued', error = NULL, finished_at = NULL
                   WHERE id = %s AND status = 'failed'""",
                (job_id,),
            )
            == 1
        )

    def unfinished(self) -> list[Job]:
        rows = self.db.fetchall("SELECT * FROM forge_jobs WHERE status NOT IN %s ORDER BY created_at", (_FINISHED,))
        return [Job.model_validate(r) for r in rows]

    def stats(self, days: int) -> dict[str, Any]:
        row = required_row(self.db.fetchone("SELECT get_forge_job_stats(%s) AS stats", (days,)))
        stats: dict[str, Any] = row["stats"]
        return stats
