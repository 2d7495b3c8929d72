"""Applies the SQL files in migrations/ once each, in order, under an advisory lock.

Safe to run twice (applied versions are skipped) and from two processes at once (the second waits
for the lock, then finds nothing to do). A migration edited after it was applied is refused.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import psycopg2

from forge.errors import ForgeError
from forge.observability import logger

# Any constant works; it only has to be the same for every forge process on this database.
_LOCK_KEY = 0x466F726765  # "Forge"
_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available_migrations() -> list[Migration]:
    found = []
    for entry in resources.files("forge.db").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ForgeError(f"two migrations share a version number: {versions}")
    return found


def migrate(dsn: str) -> list[Migration]:
    """Apply pending migrations; return the ones applied by this call."""
    applied_now: list[Migration] = []
    conn = psycopg2.connect(dsn)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
            try:
                cur.execute(
                    """CREATE TABLE IF NOT EXISTS schema_migrations (
                         version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                         applied_at timestamptz NOT NULL DEFAULT now())"""
                )
                cur.execute("SELECT version, checksum FROM schema_migrations")
                done = dict(cur.fetchall())
                for migration in available_migrations():
                    if migration.version in done:
                        if done[migration.version] != migration.checksum:
                            raise ForgeError(
                                f"migration {migration.version:03d}_{migration.name} changed after it was applied; "
                                "add a new migration instead of editing an applied one"
                            )
                        continue
                    conn.autocommit = False
                    try:
                        cur.execute(migration.sql)
                        cur.execute(
                            "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                            (migration.version, migration.name, migration.checksum),
                        )
                        conn.commit()
                    except Exception:
                        conn.rollback()
                        raise
                    finally:
                        conn.autocommit = True
                    logger.info("migration applied", extra={"migration": f"{migration.version:03d}_{migration.name}"})
                    applied_now.append(migration)
            finally:
                cur.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    finally:
        conn.close()
    return applied_now
