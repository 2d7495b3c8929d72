"""revocation_lists: every signed revocations.json ever published, versions strictly increasing."""

from __future__ import annotations

import psycopg2.errors

from forge.db.connection import Database, required_row
from forge.db.errors import translates_driver_errors
from forge.models.package import RevocationListRow


@translates_driver_errors
class _VersionTaken(Exception):
    """The trigger refused the version: a later list landed meanwhile."""


class RevocationListRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def latest(self) -> RevocationListRow | None:
        row = self.db.fetchone("SELECT * FROM revocation_lists ORDER BY version DESC LIMIT 1")
        return RevocationListRow.model_validate(row) if row else None

    def revoked_packages(self) -> list[dict[str, object]]:
        """What the next list names: every revoked package, oldest revocation first."""
        return self.db.fetchall(
            """SELECT id, slug, version, zip_sha256, signing_key_id, revoked_at, revocation_reason
               FROM plugin_packages WHERE status = 'revoked' ORDER BY revoked_at, id"""
        )

    def revoked_zip(self, zip_sha256: str) -> dict[str, object] | None:
        """The earliest revoked package whose zip has these exact bytes: a reproducible build of the same spec
        yields the same sha256, and merchants reject that zip by its hash whichever package carried it."""
        return self.db.fetchone(
            """SELECT id, slug, version, revoked_at, revocation_reason FROM plugin_packages
               WHERE status = 'revoked' AND zip_sha256 = %s ORDER BY revoked_at, id LIMIT 1""",
            (zip_sha256,),
        )

    def next_version(self) -> int:
        return int(
            required_row(self.db.fetchone("SELECT coalesce(max(version), 0) + 1 AS v FROM revocation_lists"))["v"]
        )

    def append(self, version: int, body: str, signature_b64: str, key_id: str, package_count: int) -> bool:
        """Store list `version`; False when another writer took that version first (the caller rebuilds)."""
        try:
            with self.db.transaction() as cur:
                try:
                    cur.execute(
                        """INSERT INTO revocation_lists (version, body, signature, signing_key_id, package_count)
                           VALUES (%s, %s, %s, %s, %s) ON CONFLICT (version) DO NOTHING""",
                        (version, body, signature_b64, key_id, package_count),
                    )
                except psycopg2.errors.CheckViolation:  # the trigger: a later version landed meanwhile
                    raise _VersionTaken from None
                return cur.rowcount == 1
        except _VersionTaken:
            return False
