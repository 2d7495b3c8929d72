"""approvers: who is enrolled for TOTP, where their sealed seed is, the newest time step they used, and whether
wrong codes have locked them or an admin has deactivated them. Every change of that kind is audited
(approver_events) in the transaction that makes it."""

from __future__ import annotations

from datetime import timedelta

import psycopg2

from forge.db.connection import Database, required_row
from forge.db.dict_rows import DictRowCursor
from forge.db.errors import translates_driver_errors
from forge.db.repositories.approver_events import append_event, read_events
from forge.errors import Conflict, NotFound
from forge.models.approver import ApproverStatus, Attempt, EnrolledApprover, SecurityEvent

_STATUS = """SELECT name, enrolled_at, enrolled_by, failed_attempts, failure_window_started_at, locked_at,
                    deactivated_at, deactivated_by FROM approvers"""


# The failure window of the row being updated is over (or never opened): the next attempt opens a new one.
_WINDOW_OVER = (
    "(a.failure_window_started_at IS NULL OR a.failure_window_started_at <= now() - make_interval(secs => %(window)s))"
)


def seed_secret_name(approver: str) -> str:
    return f"mfa_seed/{approver}"


@translates_driver_errors
class ApproverRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def enroll(self, name: str, sealed_seed: bytes, enrolled_by: str, replace: bool) -> None:
        """Store a new sealed seed; an approver already enrolled is a Conflict unless `replace`. Re-enrolment is an
        admin's fresh start: it reactivates a deactivated approver and clears a lock (the guesses were against the
        old seed)."""
        secret_name = seed_secret_name(name)
        with self.db.transaction() as cur:
            cur.execute("SELECT locked_at, deactivated_at FROM approvers WHERE name = %s FOR UPDATE", (name,))
            before = cur.fetchone()
            if before is not None and not replace:
                raise Conflict(f"{name} is already enrolled; pass replace to issue a new secret")
            cur.execute(
                """INSERT INTO forge_secrets (name, secret_type, encrypted_value, last_rotated_at)
                   VALUES (%s, 'mfa_seed', %s, now())
                   ON CONFLICT (name) DO UPDATE SET encrypted_value = EXCLUDED.encrypted_value,
                                                    last_rotated_at = now()
                   RETURNING id""",
                (secret_name, psycopg2.Binary(sealed_seed)),
            )
            secret_id = required_row(cur.fetchone())["id"]
            try:
                cur.execute(
                    """INSERT INTO approvers (name, secret_id, enrolled_by) VALUES (%s, %s, %s)
                       ON CONFLICT (name) DO UPDATE SET enrolled_by = EXCLUDED.enrolled_by, enrolled_at = now(),
                           failed_attempts = 0, failure_window_started_at = NULL, locked_at = NULL,
                           deactivated_at = NULL, deactivated_by = NULL""",
                    (name, secret_id, enrolled_by),
                )
            except psycopg2.errors.UniqueViolation:
                raise Conflict(f"{name} is being enrolled by someone else right now") from None
            details = None
            if before is not None:
                details = {
                    "cleared_lock": before["locked_at"] is not None,
                    "reactivated": before["deactivated_at"] is not None,
                }
            append_event(cur, name, "enrolled" if before is None else "re_enrolled", enrolled_by, details=details)

    def get(self, name: str) -> EnrolledApprover | None:
        row = self.db.fetchone(
            """SELECT a.name, s.encrypted_value, a.last_used_step, a.enrolled_at
               FROM approvers a JOIN forge_secrets s ON s.id = a.secret_id WHERE a.name = %s""",
            (name,),
        )
        if row is None:
            return None
        return EnrolledApprover(row["name"], bytes(row["encrypted_value"]), row["last_used_step"], row["enrolled_at"])

    def charge_attempt(
        self, name: str, window: timedelta, max_failures: int, lock_reason: str, source_ip: str | None
    ) -> Attempt | None:
        """Charge one code attempt to an approver who is enrolled, active and not locked; None otherwise.

        One UPDATE: Postgres serialises concurrent ones on the row and re-checks `locked_at IS NULL` against the
        newest version, so N racing guesses get the numbers 1..N and none can slip past the limit. An attempt
        numbered past `max_failures` (an earlier failure still being checked) locks the approver at once."""
        with self.db.transaction() as cur:
            # _WINDOW_OVER is this module's SQL; the values are bound.
            cur.execute(
                f"""UPDATE approvers a SET
                      failed_attempts = CASE WHEN {_WINDOW_OVER} THEN 1 ELSE a.failed_attempts + 1 END,
                      failure_window_started_at =
                        CASE WHEN {_WINDOW_OVER} THEN now() ELSE a.failure_window_started_at END,
                      locked_at = CASE WHEN NOT {_WINDOW_OVER} AND a.failed_attempts >= %(max)s THEN now() END
                    WHERE a.name = %(name)s AND a.locked_at IS NULL AND a.deactivated_at IS NULL
                    RETURNING a.failed_attempts, a.locked_at""",  # noqa: S608
                {"name": name, "window": window.total_seconds(), "max": max_failures},
            )
            row = cur.fetchone()
            if row is None:
                return None
            if row["locked_at"] is not None:
                details = {"attempt": row["failed_attempts"], "source_ip": source_ip}
                append_event(cur, name, "locked", name, lock_reason, details)
        return Attempt(row["failed_attempts"], row["locked_at"] is not None)

    def use_step(self, name: str, step: int) -> bool:
        """Accept a code's time step once: True for the first use, False for a replay or an older step.
        The conditional UPDATE is the lock, so two requests with the same code cannot both pass. A verified code
        clears the failed attempts."""
        return (
            self.db.execute(
                """UPDATE approvers SET last_used_step = %s, failed_attempts = 0, failure_window_started_at = NULL
                   WHERE name = %s AND last_used_step < %s""",
                (step, name, step),
            )
            == 1
        )

    def record_failure(
        self, name: str, reason: str, attempt: int, source_ip: str | None, lock_reason: str | None
    ) -> bool:
        """Audit a failed code; with `lock_reason`, lock the approver. True when this call locked them (False when
        they were locked already, by a concurrent attempt)."""
        with self.db.transaction() as cur:
            append_event(cur, name, "mfa_failed", name, reason, {"attempt": attempt, "source_ip": source_ip})
            if lock_reason is None:
                return False
            cur.execute("UPDATE approvers SET locked_at = now() WHERE name = %s AND locked_at IS NULL", (name,))
            if cur.rowcount != 1:
                return False
            append_event(cur, name, "locked", name, lock_reason, {"attempt": attempt, "source_ip": source_ip})
            return True

    def unlock(self, name: str, by: str, reason: str) -> ApproverStatus:
        with self.db.transaction() as cur:
            before = self._for_update(cur, name)
            if before.locked_at is None:
                raise Conflict(f"{name} is not locked")
            cur.execute(
                """UPDATE approvers SET locked_at = NULL, failed_attempts = 0, failure_window_started_at = NULL
                   WHERE name = %s""",
                (name,),
            )
            append_event(
                cur,
                name,
                "unlocked",
                by,
                reason,
                {"locked_at": before.locked_at.isoformat(), "failed_attempts": before.failed_attempts},
            )
            return self._for_update(cur, name)

    def deactivate(self, name: str, by: str, reason: str) -> ApproverStatus:
        """A deactivated approver cannot approve (nor does a past approval of theirs count: is_active)."""
        with self.db.transaction() as cur:
            before = self._for_update(cur, name)
            if before.deactivated_at is not None:
                raise Conflict(f"{name} was already deactivated by {before.deactivated_by}")
            cur.execute("UPDATE approvers SET deactivated_at = now(), deactivated_by = %s WHERE name = %s", (by, name))
            append_event(cur, name, "deactivated", by, reason)
            return self._for_update(cur, name)

    def is_active(self, name: str) -> bool:
        """Enrolled and not deactivated. A locked approver is still active: a lock stops new guesses, it does not
        withdraw the approvals they already gave."""
        row = self.db.fetchone("SELECT deactivated_at IS NULL AS active FROM approvers WHERE name = %s", (name,))
        return bool(row and row["active"])

    def status(self, name: str) -> ApproverStatus | None:
        row = self.db.fetchone(f"{_STATUS} WHERE name = %s", (name,))
        return ApproverStatus.model_validate(row) if row else None

    def statuses(self) -> list[ApproverStatus]:
        return [ApproverStatus.model_validate(row) for row in self.db.fetchall(f"{_STATUS} ORDER BY name")]

    def events(self, name: str, limit: int = 100) -> list[SecurityEvent]:
        """Newest first; NotFound for a name never enrolled."""
        with self.db.transaction() as cur:
            cur.execute("SELECT 1 FROM approvers WHERE name = %s", (name,))
            if cur.fetchone() is None:
                raise NotFound(f"no approver named {name}")
            return read_events(cur, name, limit)

    def names(self) -> list[str]:
        return [r["name"] for r in self.db.fetchall("SELECT name FROM approvers ORDER BY name")]

    @staticmethod
    def _for_update(cur: DictRowCursor, name: str) -> ApproverStatus:
        cur.execute(f"{_STATUS} WHERE name = %s FOR UPDATE", (name,))
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"no approver named {name}")
        return ApproverStatus.model_validate(row)
