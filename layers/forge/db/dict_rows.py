"""The cursor every transaction uses: rows as plain dicts keyed by column name, each built in one step.

psycopg2's RealDictCursor builds a row key by key through a Python `__setitem__`: about a quarter of the server time
of GET /jobs (50 rows of a dozen columns a page). Here the C cursor returns tuples and a row is
`dict(zip(names, values))`; as with RealDictCursor, a later column of the same name wins."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg2.extensions

Row = dict[str, Any]


class DictRowCursor(psycopg2.extensions.cursor):
    def _names(self) -> list[str]:
        return [column.name for column in self.description or ()]

    def fetchone(self) -> Row | None:  # type: ignore[override]  # dicts where psycopg2 returns tuples
        row = super().fetchone()
        return None if row is None else dict(zip(self._names(), row, strict=True))

    def fetchmany(self, size: int | None = None) -> list[Row]:  # type: ignore[override]  # as above
        rows = super().fetchmany() if size is None else super().fetchmany(size)
        names = self._names()
        return [dict(zip(names, row, strict=True)) for row in rows]

    def fetchall(self) -> list[Row]:  # type: ignore[override]  # as above
        names = self._names()
        return [dict(zip(names, row, strict=True)) for row in super().fetchall()]

    def __iter__(self) -> Iterator[Row]:  # type: ignore[override]  # as above
        while (row := self.fetchone()) is not None:
            yield row
