"""The pool makes callers wait for a free connection instead of failing when all are out."""

import threading

from forge.db.connection import Database


def test_many_threads_share_a_small_pool(db_dsn):
    db = Database(db_dsn, max_connections=2)
    errors = []

    def work():
        try:
            for _ in range(5):
                db.fetchone("SELECT pg_sleep(0.01)")
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(20)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    db.close()
    assert errors == []
