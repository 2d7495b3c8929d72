"""signing_keys: the keyset merchants verify against."""

from __future__ import annotations

from forge.db.connection import Database
from forge.errors import NotFound
from forge.models.package import SigningKey


class KeyRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def active(self) -> SigningKey | None:
        row = self.db.fetchone("SELECT * FROM signing_keys WHERE status = 'active'")
        return SigningKey.model_validate(row) if row else None

    def add_active(self, key_id: str, public_pem: str, backend: str, backend_ref: str) -> SigningKey:
        """Insert a key as the active one, retiring the previous active key in the same transaction."""
        with self.db.transaction() as cur:
            cur.execute("UPDATE signing_keys SET status = 'retired', retired_at = now() WHERE status = 'active'")
            cur.execute(
                """INSERT INTO signing_keys (key_id, public_pem, backend, backend_ref)
                   VALUES (%s, %s, %s, %s) RETURNING *""",
                (key_id, public_pem, backend, backend_ref),
            )
            return SigningKey.model_validate(cur.fetchone())

    def get(self, key_id: str) -> SigningKey:
        row = self.db.fetchone("SELECT * FROM signing_keys WHERE key_id = %s", (key_id,))
        if row is None:
            raise NotFound(f"signing key {key_id} is not in the keyset")
        return SigningKey.model_validate(row)
