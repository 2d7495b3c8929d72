"""The pool makes callers wait for a free connection instead of failing when all are out, keeps idle
connections for reuse, replaces ones the server dropped, and never shares one across a fork."""

import os
import threading

import psycopg2
import pytest

from forge.db import connection
from forge.db.connection import Database


def test_many_threads_share_a_small_pool(db_dsn):
    db = Database(db_dsn, max_connections=2)
    errors = []

    def work():
        try:
            for _ in range(5):
                db.fetchone("SELECT pg_sleep(0.01)")
        except Exception as e:  # noqa: BLE001 - collected: the test asserts there are none
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(20)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    db.close()
    assert errors == []


def test_idle_connections_are_kept_and_reused(db_dsn):
    db = Database(db_dsn, max_connections=4)
    first = db.fetchone("SELECT pg_backend_pid() AS pid")["pid"]
    second = db.fetchone("SELECT pg_backend_pid() AS pid")["pid"]
    assert first == second
    assert db.idle_connections() == 1
    db.close()
    assert db.idle_connections() == 0


def test_threads_never_hold_more_than_the_maximum(db_dsn):
    db = Database(db_dsn, max_connections=3)
    pids: set[int] = set()
    lock = threading.Lock()

    def work():
        for _ in range(5):
            pid = db.fetchone("SELECT pg_backend_pid() AS pid, pg_sleep(0.005)")["pid"]
            with lock:
                pids.add(pid)

    threads = [threading.Thread(target=work) for _ in range(12)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert 1 <= len(pids) <= 3
    assert db.idle_connections() <= 3
    db.close()


def test_a_failed_statement_leaves_a_reusable_connection(db_dsn):
    db = Database(db_dsn, max_connections=1)
    with pytest.raises(psycopg2.Error):
        db.fetchone("SELECT * FROM no_such_table")
    assert db.fetchone("SELECT 1 AS one") == {"one": 1}
    assert db.idle_connections() == 1
    db.close()


def test_a_connection_dropped_by_the_server_is_replaced(db_dsn, monkeypatch):
    db = Database(db_dsn, max_connections=1)
    victim = db.fetchone("SELECT pg_backend_pid() AS pid")["pid"]
    admin = psycopg2.connect(db_dsn)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(%s)", (victim,))
    admin.close()
    monkeypatch.setattr(connection, "_PING_AFTER_IDLE_SECONDS", 0.0)
    assert db.fetchone("SELECT pg_backend_pid() AS pid")["pid"] != victim
    db.close()


def test_a_forked_child_opens_its_own_connections_and_leaves_the_parents_alone(db_dsn):
    db = Database(db_dsn, max_connections=2)
    parent_pid = db.fetchone("SELECT pg_backend_pid() AS pid")["pid"]
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(read)
        try:
            pid = db.fetchone("SELECT pg_backend_pid() AS pid")["pid"]
            db.close()
            os.write(write, str(pid).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as handle:
        child_backend = int(handle.read() or "0")
    os.waitpid(child, 0)
    assert child_backend not in (0, parent_pid)
    # The parent's kept connection still works: the child neither used nor closed it.
    assert db.fetchone("SELECT pg_backend_pid() AS pid")["pid"] == parent_pid
    db.close()


def test_after_the_server_dropped_every_connection_only_one_call_fails(db_dsn):
    """A Postgres restart ends every pooled session at once. The first call to meet a dead connection fails (as a
    TransientError the workflow retries), and the pool drops every idle connection with it: the next call connects
    anew instead of failing on the next dead one."""
    from forge.errors import TransientError

    db = Database(db_dsn, max_connections=4)
    held = [threading.Event() for _ in range(3)]
    go = threading.Event()

    def hold(i):
        with db.transaction() as cur:
            cur.execute("SELECT 1")
            held[i].set()
            go.wait(10)

    threads = [threading.Thread(target=hold, args=(i,)) for i in range(3)]
    [t.start() for t in threads]
    [e.wait(10) for e in held]
    go.set()
    [t.join() for t in threads]
    assert db.idle_connections() == 3
    admin = psycopg2.connect(db_dsn)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    admin.close()
    with pytest.raises(TransientError):
        db.fetchone("SELECT 1")
    assert db.fetchone("SELECT 1 AS one") == {"one": 1}
    db.close()
