"""The embedded Postgres (PyPI pgserver) the forge starts when DATABASE_URL is not set."""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path
from typing import Any

import psycopg2

from forge.errors import ForgeError

DATABASE_NAME = "forge"
# platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI); pgserver's fallback is fine.
warnings.filterwarnings("ignore", module="platformdirs")


def _create_database(admin_dsn: str, name: str) -> None:
    conn = psycopg2.connect(admin_dsn)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                with contextlib.suppress(psycopg2.errors.DuplicateDatabase):
                    cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


class EmbeddedPostgres:
    """A PostgreSQL 16 server in `data_dir`, reused across runs; stopped when the last user exits."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    def start(self, database: str = DATABASE_NAME) -> str:
        import pgserver

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        try:
            # pgserver logs its own progress through the logging module; its stdout noise is swallowed.
            with contextlib.redirect_stdout(io.StringIO()):
                self._server = pgserver.get_server(self.data_dir, cleanup_mode="stop")
        except Exception as exc:  # pgserver raises bare exceptions with the initdb/pg_ctl output
            raise ForgeError(f"could not start the embedded Postgres in {self.data_dir}: {exc}") from exc
        admin = self._server.get_uri()
        _create_database(admin, database)
        return self._server.get_uri(database)

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
