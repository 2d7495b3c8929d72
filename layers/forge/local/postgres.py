"""The embedded Postgres (PyPI pgserver) the forge starts when DATABASE_URL is not set.

pgserver listens on a Unix socket only, but with `trust` authentication, and the socket is not always private:
a data folder whose path is too long for a socket name gets its socket in pgserver's shared runtime folder
(mode 0777 when run as root). So the forge makes the server ask for a password it creates once per data folder
(`<data folder>.password`, mode 0600): scram-sha-256 for every connection, whoever reaches the socket.

Run as root, pgserver runs postgres as its own user `pgserver` (keeping root's group) and opens every folder
above the data folder to everyone (o+rx) so that user can reach it; the folder holding the data is closed again
to all but the server's group, which may only pass through (0710): postgres opens its configuration by absolute
path on every reload, and pg_ctl needs the path to stop it.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg2

from forge.errors import ForgeError
from forge.private_files import secret_file

DATABASE_NAME = "forge"
# pg_hba.conf lines: no password in them.
PASSWORD_REQUIRED_HBA = (
    "# Written by Plugin Forge: every connection proves the password kept beside this data folder.\n"  # noqa: S105
    "local all all scram-sha-256\n"
)
# platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI); pgserver's fallback is fine.
warnings.filterwarnings("ignore", module="platformdirs")


def server_group() -> int | None:
    """The group postgres runs with when pgserver starts it as another user (we are root: it keeps our group);
    None when it runs as us."""
    return os.getegid() if os.geteuid() == 0 else None


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


def _refuses(dsn: str) -> bool:
    try:
        psycopg2.connect(dsn, connect_timeout=5).close()
    except psycopg2.OperationalError:
        return True
    return False


class EmbeddedPostgres:
    """A PostgreSQL 16 server in `data_dir`, reused across runs; stopped when the last user exits."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    @property
    def password_file(self) -> Path:
        return self.data_dir.with_name(self.data_dir.name + ".password")

    def start(self, database: str = DATABASE_NAME) -> str:
        from pgserver.postgres_server import get_server

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        try:
            # pgserver logs its own progress through the logging module; its stdout noise is swallowed.
            with contextlib.redirect_stdout(io.StringIO()):
                self._server = get_server(self.data_dir, cleanup_mode="stop")
        except Exception as exc:  # pgserver raises bare exceptions with the initdb/pg_ctl output
            raise ForgeError(f"could not start the embedded Postgres in {self.data_dir}: {exc}") from exc
        self._close_data_parent()
        password = secret_file(self.password_file, lambda: secrets.token_hex(24).encode()).decode().strip()
        admin = self._dsn("postgres", password)
        self._require_password(admin, password)
        try:
            _create_database(admin, database)
        except psycopg2.OperationalError as exc:
            raise ForgeError(
                f"the embedded Postgres in {self.data_dir} refused the password in {self.password_file} "
                f"({str(exc).strip()}); restore that file, or move {self.data_dir} away to start a new database"
            ) from None
        return self._dsn(database, password)

    def _dsn(self, database: str, password: str | None) -> str:
        info = self._server.get_postmaster_info()
        secret = f":{password}" if password else ""
        return f"postgresql://postgres{secret}@/{database}?host={quote(str(info.socket_dir), safe='/')}"

    def _close_data_parent(self) -> None:
        group = server_group()
        if group is None:
            return
        running_as = self._server.get_postmaster_info().process.gids().effective
        if running_as != group:
            raise ForgeError(f"the embedded Postgres runs with group {running_as}, expected {group}")
        os.chown(self.data_dir.parent, -1, group)
        os.chmod(self.data_dir.parent, 0o710)  # noqa: S103 - the server's group may enter, not list; others nothing

    def _require_password(self, admin_dsn: str, password: str) -> None:
        """Switch a server initialised with trust to scram-sha-256 with our password (once per data folder)."""
        hba = self.data_dir / "pg_hba.conf"
        if hba.read_text() == PASSWORD_REQUIRED_HBA:
            return
        conn = psycopg2.connect(admin_dsn)  # still trust: the password is not checked yet
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SET password_encryption = 'scram-sha-256'")
                cur.execute("ALTER ROLE postgres WITH PASSWORD %s", (password,))
                hba.write_text(PASSWORD_REQUIRED_HBA)  # in place: keeps the file's owner (pgserver) and mode
                cur.execute("SELECT pg_reload_conf()")
        finally:
            conn.close()
        # The postmaster applies the reload asynchronously: do not hand out the server before it does.
        deadline = time.monotonic() + 10
        while not _refuses(self._dsn("postgres", None)):
            if time.monotonic() > deadline:
                raise ForgeError(f"the embedded Postgres in {self.data_dir} still accepts connections without password")
            time.sleep(0.05)

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
