"""A thread-safe connection pool with one way to run a transaction."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2
import psycopg2.extensions
import psycopg2.extras
import psycopg2.pool

from forge.errors import TransientError

psycopg2.extras.register_uuid()
# Return jsonb as Python objects and timestamps as aware datetimes (the defaults already do both).

Cursor = psycopg2.extras.RealDictCursor

# SQLSTATE classes worth a retry: serialization failure, deadlock, connection trouble, too many connections.
_TRANSIENT_SQLSTATES = {"40001", "40P01", "53300", "57P01", "57P03"}


class Database:
    def __init__(self, dsn: str, max_connections: int = 16) -> None:
        self.dsn = dsn
        self._pool = psycopg2.pool.ThreadedConnectionPool(0, max_connections, dsn)
        # psycopg2's pool raises when all connections are out; callers wait for one instead.
        self._slots = threading.BoundedSemaphore(max_connections)

    @contextmanager
    def transaction(self) -> Iterator[psycopg2.extras.RealDictCursor]:
        """A cursor inside one transaction: committed on success, rolled back on any error."""
        if not self._slots.acquire(timeout=30):
            raise TransientError("no database connection free within 30 s")
        try:
            conn = self._pool.getconn()
        except psycopg2.OperationalError as exc:
            self._slots.release()
            raise TransientError(f"database unavailable: {exc}".strip()) from exc
        broken = False
        try:
            with conn.cursor(cursor_factory=Cursor) as cur:
                yield cur
            conn.commit()
        except psycopg2.OperationalError as exc:
            broken = True
            raise TransientError(f"database unavailable: {exc}".strip()) from exc
        except psycopg2.Error as exc:
            conn.rollback()
            if exc.pgcode in _TRANSIENT_SQLSTATES:
                raise TransientError(f"database busy ({exc.pgcode}): {exc.pgerror}".strip()) from exc
            raise
        except BaseException:
            if not conn.closed:
                conn.rollback()
            raise
        finally:
            self._pool.putconn(conn, close=broken or bool(conn.closed))
            self._slots.release()

    def fetchone(self, sql: str, params: Any = None) -> dict[str, Any] | None:
        with self.transaction() as cur:
            cur.execute(sql, params)
            return cur.fetchone()

    def fetchall(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        with self.transaction() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())

    def execute(self, sql: str, params: Any = None) -> int:
        with self.transaction() as cur:
            cur.execute(sql, params)
            return cur.rowcount

    def close(self) -> None:
        self._pool.closeall()


_databases: dict[str, Database] = {}
_databases_lock = threading.Lock()


def database(dsn: str) -> Database:
    """One pool per DSN per process: Lambda containers and the local runtime reuse it across calls."""
    with _databases_lock:
        db = _databases.get(dsn)
        if db is None:
            db = _databases[dsn] = Database(dsn)
        return db


def close_all() -> None:
    with _databases_lock:
        for db in _databases.values():
            db.close()
        _databases.clear()
