"""signing_keys, the compromise side: an admin marks a key never to be trusted again, with the reason."""

from __future__ import annotations

from forge.db.connection import Database
from forge.db.errors import translates_driver_errors
from forge.errors import Conflict, NotFound


@translates_driver_errors
class KeyCompromiseRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def mark(self, key_id: str, reason: str) -> None:
        """Compromised is final: the key leaves the active slot (retired_at records when) and never signs again
        (KeyRepository.add_active refuses it)."""
        with self.db.transaction() as cur:
            cur.execute("SELECT status FROM signing_keys WHERE key_id = %s FOR UPDATE", (key_id,))
            row = cur.fetchone()
            if row is None:
                raise NotFound(f"signing key {key_id} is not in the keyset")
            if row["status"] == "compromised":
                raise Conflict(f"signing key {key_id} is already marked compromised")
            cur.execute(
                """UPDATE signing_keys SET status = 'compromised', compromised_reason = %s,
                          retired_at = coalesce(retired_at, now())
                   WHERE key_id = %s""",
                (reason, key_id),
            )

    def reason(self, key_id: str) -> str | None:
        row = self.db.fetchone("SELECT compromised_reason FROM signing_keys WHERE key_id = %s", (key_id,))
        return row["compromised_reason"] if row else None
