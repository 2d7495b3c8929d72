"""Rows come back as plain dicts keyed by column name from every way of reading a cursor, typed as before."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from forge.db.connection import Database


def test_rows_are_dicts_from_every_fetch(db_dsn: str) -> None:
    db = Database(db_dsn, max_connections=1)
    try:
        sql = "SELECT n, 'x' || n AS label FROM generate_series(1, 3) AS n ORDER BY n"
        assert db.fetchall(sql) == [{"n": 1, "label": "x1"}, {"n": 2, "label": "x2"}, {"n": 3, "label": "x3"}]
        assert db.fetchone(sql) == {"n": 1, "label": "x1"}
        assert db.fetchone("SELECT 1 AS n WHERE false") is None
        with db.transaction() as cur:
            cur.execute(sql)
            assert cur.fetchmany(2) == [{"n": 1, "label": "x1"}, {"n": 2, "label": "x2"}]
            assert list(cur) == [{"n": 3, "label": "x3"}]
    finally:
        db.close()


def test_values_keep_their_types_and_a_repeated_name_keeps_the_last(db_dsn: str) -> None:
    db = Database(db_dsn, max_connections=1)
    try:
        row = db.fetchone(
            """SELECT gen_random_uuid() AS id, now() AS at, '{"a": [1]}'::jsonb AS doc, 1 AS twice, 2 AS twice"""
        )
    finally:
        db.close()
    assert row is not None
    assert isinstance(row["id"], UUID)
    assert isinstance(row["at"], datetime)
    assert row["at"].tzinfo is not None
    assert row["doc"] == {"a": [1]}
    assert row["twice"] == 2
    assert type(row) is dict
