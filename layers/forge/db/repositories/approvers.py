"""approvers: who is enrolled for TOTP, where their sealed seed is, and the newest time step they used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg2

from forge.db.connection import Database
from forge.errors import Conflict


@dataclass(frozen=True)
class EnrolledApprover:
    name: str
    sealed_seed: bytes
    last_used_step: int
    enrolled_at: datetime


def seed_secret_name(approver: str) -> str:
    return f"mfa_seed/{approver}"


class ApproverRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def enroll(self, name: str, sealed_seed: bytes, enrolled_by: str, replace: bool) -> None:
        """Store a new sealed seed; an approver already enrolled is a Conflict unless `replace`."""
        secret_name = seed_secret_name(name)
        with self.db.transaction() as cur:
            cur.execute("SELECT 1 FROM approvers WHERE name = %s FOR UPDATE", (name,))
            exists = cur.fetchone() is not None
            if exists and not replace:
                raise Conflict(f"{name} is already enrolled; pass replace to issue a new secret")
            cur.execute(
                """INSERT INTO forge_secrets (name, secret_type, encrypted_value, last_rotated_at)
                   VALUES (%s, 'mfa_seed', %s, now())
                   ON CONFLICT (name) DO UPDATE SET encrypted_value = EXCLUDED.encrypted_value,
                                                    last_rotated_at = now()
                   RETURNING id""",
                (secret_name, psycopg2.Binary(sealed_seed)),
            )
            secret_id = cur.fetchone()["id"]
            try:
                cur.execute(
                    """INSERT INTO approvers (name, secret_id, enrolled_by) VALUES (%s, %s, %s)
                       ON CONFLICT (name) DO UPDATE SET enrolled_by = EXCLUDED.enrolled_by, enrolled_at = now()""",
                    (name, secret_id, enrolled_by),
                )
            except psycopg2.errors.UniqueViolation:
                raise Conflict(f"{name} is being enrolled by someone else right now") from None

    def get(self, name: str) -> EnrolledApprover | None:
        row = self.db.fetchone(
            """SELECT a.name, s.encrypted_value, a.last_used_step, a.enrolled_at
               FROM approvers a JOIN forge_secrets s ON s.id = a.secret_id WHERE a.name = %s""",
            (name,),
        )
        if row is None:
            return None
        return EnrolledApprover(row["name"], bytes(row["encrypted_value"]), row["last_used_step"], row["enrolled_at"])

    def use_step(self, name: str, step: int) -> bool:
        """Accept a code's time step once: True for the first use, False for a replay or an older step.
        The conditional UPDATE is the lock, so two requests with the same code cannot both pass."""
        return (
            self.db.execute(
                "UPDATE approvers SET last_used_step = %s WHERE name = %s AND last_used_step < %s",
                (step, name, step),
            )
            == 1
        )

    def is_active(self, name: str) -> bool:
        """Enrolled (and so able to approve); what Publish requires of every approver it counts."""
        return self.db.fetchone("SELECT 1 FROM approvers WHERE name = %s", (name,)) is not None

    def names(self) -> list[str]:
        return [r["name"] for r in self.db.fetchall("SELECT name FROM approvers ORDER BY name")]
