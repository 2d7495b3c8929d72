"""signing_keys: the keyset merchants verify against."""

from __future__ import annotations

from forge.db.connection import Database
from forge.db.errors import translates_driver_errors
from forge.errors import Conflict, NotFound
from forge.models.package import SigningKey


@translates_driver_errors
class KeyRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def active(self) -> SigningKey | None:
        row = self.db.fetchone("SELECT * FROM signing_keys WHERE status = 'active'")
        return SigningKey.model_validate(row) if row else None

    def add_active(self, key_id: str, public_pem: str, backend: str, backend_ref: str) -> SigningKey:
        """Make a key the active one, retiring the previous active key (verify-only from then on) in the same
        transaction. A key already in the keyset becomes active again, unless it was marked compromised."""
        with self.db.transaction() as cur:
            cur.execute(
                """UPDATE signing_keys SET status = 'retired', retired_at = now()
                   WHERE status = 'active' AND key_id <> %s""",
                (key_id,),
            )
            cur.execute(
                """INSERT INTO signing_keys (key_id, public_pem, backend, backend_ref)
                   VALUES (%s, %s, %s, %s)
                   ON CONFLICT (key_id) DO UPDATE
                     SET status = 'active', retired_at = NULL, activated_at = now(), backend_ref = EXCLUDED.backend_ref
                     WHERE signing_keys.status <> 'compromised'
                   RETURNING *""",
                (key_id, public_pem, backend, backend_ref),
            )
            row = cur.fetchone()
            if row is None:
                raise Conflict(f"signing key {key_id} is marked compromised and cannot sign again")
            return SigningKey.model_validate(row)

    def get(self, key_id: str) -> SigningKey:
        row = self.db.fetchone("SELECT * FROM signing_keys WHERE key_id = %s", (key_id,))
        if row is None:
            raise NotFound(f"signing key {key_id} is not in the keyset")
        return SigningKey.model_validate(row)

    def all(self) -> list[SigningKey]:
        """The whole keyset, the active key first, then the newest retired ones."""
        rows = self.db.fetchall(
            "SELECT * FROM signing_keys ORDER BY (status = 'active') DESC, activated_at DESC, key_id"
        )
        return [SigningKey.model_validate(r) for r in rows]
