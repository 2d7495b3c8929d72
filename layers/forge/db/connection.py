"""A thread-safe connection pool with one way to run a transaction."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2
import psycopg2.extensions
import psycopg2.extras

from forge.db.dict_rows import DictRowCursor
from forge.db.errors import TRANSIENT_SQLSTATES
from forge.errors import TransientError

psycopg2.extras.register_uuid()
# Return jsonb as Python objects and timestamps as aware datetimes (the defaults already do both).

Cursor = DictRowCursor

_PING_AFTER_IDLE_SECONDS = 10.0
# What libpq says when the server refuses the password (SQLSTATE 28P01; psycopg2 has no pgcode at connect time).
_PASSWORD_REFUSED = "password authentication failed"  # noqa: S105 - an error message, not a password


def required_row(row: dict[str, Any] | None) -> dict[str, Any]:
    """The row a statement cannot fail to return (an aggregate, a row this transaction just saw)."""
    if row is None:
        raise RuntimeError("the statement returned no row")  # a bug in the SQL, not a state of the data
    return row


class Database:
    """Up to `max_connections` connections; idle ones are kept open and reused (LIFO, so a quiet process ends
    up using few of them) because opening one costs a few ms per query. A connection never crosses a fork:
    a child process starts with an empty pool of its own.

    `refresh_dsn`, when given, is asked for the DSN again after the server refuses the password: the database secret
    was rotated under a warm process (forge.db.dsn.refreshed_dsn)."""

    def __init__(self, dsn: str, max_connections: int = 16, refresh_dsn: Callable[[], str] | None = None) -> None:
        self.dsn = dsn
        self.max_connections = max_connections
        self._refresh_dsn = refresh_dsn
        self._lock = threading.Lock()
        # (connection, monotonic time it was put back)
        self._idle: list[tuple[psycopg2.extensions.connection, float]] = []
        # Callers wait for a free connection instead of failing when all are out.
        self._slots = threading.BoundedSemaphore(max_connections)
        self._pid = os.getpid()
        self._closed = False

    def _after_fork(self) -> None:
        """In a forked child the inherited sockets belong to the parent's sessions: closing them here would
        end the parent's sessions too, so they are only forgotten (kept referenced so no finaliser runs)."""
        _inherited.extend(conn for conn, _ in self._idle)
        self._idle = []
        self._slots = threading.BoundedSemaphore(self.max_connections)
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def _acquire(self) -> psycopg2.extensions.connection:
        if self._pid != os.getpid():
            self._after_fork()
        if not self._slots.acquire(timeout=30):
            raise TransientError("no database connection free within 30 s")
        with self._lock:
            conn, since = self._idle.pop() if self._idle else (None, 0.0)
        if conn is not None and self._alive(conn, time.monotonic() - since):
            return conn
        try:
            return self._connect()
        except psycopg2.OperationalError as exc:
            self._slots.release()
            raise TransientError(f"database unavailable: {exc}".strip()) from exc

    def _connect(self) -> psycopg2.extensions.connection:
        dsn = self.dsn
        try:
            return psycopg2.connect(dsn)
        except psycopg2.OperationalError as exc:
            if self._refresh_dsn is None or _PASSWORD_REFUSED not in str(exc):
                raise
        # The password was rotated: read the secret once more and retry once with what it says now. During a
        # rotation's own window (new password set, secret not yet switched) this fails too, as a TransientError.
        fresh = self._refresh_dsn()
        with self._lock:
            if self.dsn == dsn:
                self.dsn = fresh
        return psycopg2.connect(fresh)

    @staticmethod
    def _alive(conn: psycopg2.extensions.connection, idle_seconds: float) -> bool:
        """A connection idle for a while may have been dropped by the server (restart, RDS idle timeout, a
        Lambda container thawed after minutes): ping it first; a stale one is closed and replaced."""
        if conn.closed:
            return False
        if idle_seconds < _PING_AFTER_IDLE_SECONDS:
            return True
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
            conn.rollback()
            return True
        except psycopg2.Error:
            conn.close()
            return False

    def _release(self, conn: psycopg2.extensions.connection, broken: bool) -> None:
        keep = (
            not broken
            and not conn.closed
            and conn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE
            and self._pid == os.getpid()
        )
        stale: list[psycopg2.extensions.connection] = []
        with self._lock:
            pooled = keep and not self._closed
            if pooled:
                self._idle.append((conn, time.monotonic()))
            elif broken:
                # A connection lost under us most often means the server restarted: every idle one is as dead, and
                # each would fail one more request. They are dropped together, so an outage costs one failed call.
                stale, self._idle = [c for c, _ in self._idle], []
        for dead in [conn, *stale] if not pooled else stale:
            if not dead.closed:
                dead.close()
        self._slots.release()

    def idle_connections(self) -> int:
        with self._lock:
            return len(self._idle)

    @contextmanager
    def transaction(self) -> Iterator[DictRowCursor]:
        """A cursor inside one transaction: committed on success, rolled back on any error."""
        with self._cursor(single_statement=False) as cur:
            yield cur

    @contextmanager
    def _cursor(self, single_statement: bool) -> Iterator[DictRowCursor]:
        """A cursor in a transaction of its own; with `single_statement`, in autocommit: a statement alone is its
        own transaction all the same, and the driver's BEGIN and COMMIT, a round trip to the server each, are not
        sent (measured: a third of the database time of the API's GET requests)."""
        conn = self._acquire()
        broken = False
        try:
            if single_statement:
                conn.autocommit = True
            with conn.cursor(cursor_factory=Cursor) as cur:
                yield cur
            if not single_statement:
                conn.commit()
        except psycopg2.OperationalError as exc:
            broken = True
            raise TransientError(f"database unavailable: {exc}".strip()) from exc
        except psycopg2.InterfaceError as exc:
            # The connection was closed under us (a server restart seen only now): drop it, retry later.
            broken = True
            raise TransientError(f"database connection lost: {exc}".strip()) from exc
        except psycopg2.Error as exc:
            conn.rollback()
            if exc.pgcode in TRANSIENT_SQLSTATES:
                raise TransientError(f"database busy ({exc.pgcode}): {exc.pgerror}".strip()) from exc
            raise
        except BaseException:
            if not conn.closed:
                try:
                    conn.rollback()
                except psycopg2.Error:
                    broken = True
            raise
        finally:
            if single_statement and not conn.closed:
                try:
                    conn.autocommit = False
                except psycopg2.Error:
                    broken = True
            self._release(conn, broken)

    def fetchone(self, sql: str, params: Any = None) -> dict[str, Any] | None:
        """One statement, its own transaction (as are fetchall's and execute's)."""
        with self._cursor(single_statement=True) as cur:
            cur.execute(sql, params)
            return cur.fetchone()

    def fetchall(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        with self._cursor(single_statement=True) as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())

    def execute(self, sql: str, params: Any = None) -> int:
        with self._cursor(single_statement=True) as cur:
            cur.execute(sql, params)
            return cur.rowcount

    def close(self) -> None:
        with self._lock:
            idle, self._idle, self._closed = [conn for conn, _ in self._idle], [], True
        if self._pid == os.getpid():
            for conn in idle:
                conn.close()
        else:
            _inherited.extend(idle)


# Connections a forked child inherited: referenced forever so that garbage collection never closes them.
_inherited: list[psycopg2.extensions.connection] = []


_databases: dict[str, Database] = {}
_databases_lock = threading.Lock()


def database(dsn: str, refresh_dsn: Callable[[], str] | None = None) -> Database:
    """One pool per DSN per process: Lambda containers and the local runtime reuse it across calls."""
    with _databases_lock:
        db = _databases.get(dsn)
        if db is None:
            db = _databases[dsn] = Database(dsn, refresh_dsn=refresh_dsn)
        return db


def close_all() -> None:
    with _databases_lock:
        for db in _databases.values():
            db.close()
        _databases.clear()
