"""One page of a newest-first list, filtered by exact column values, paged by keyset on (created_at, id)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from forge.db.connection import Database


def newest_first(
    db: Database,
    table: str,
    filters: Mapping[str, object | None],
    before: tuple[datetime, UUID] | None,
    limit: int,
    columns: str = "*",
) -> list[dict[str, Any]]:
    """`table`, `columns` and the filter names come from the repositories' code, never from a request; only values
    are bound. `before` is the (created_at, id) of the last row of the previous page."""
    clauses: list[str] = []
    params: list[object] = []
    for column, value in filters.items():
        if value is not None:
            clauses.append(f"{column} = %s")
            params.append(value)
    if before is not None:
        clauses.append("(created_at, id) < (%s, %s)")
        params.extend(before)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = f"SELECT {columns} FROM {table} {where} ORDER BY created_at DESC, id DESC LIMIT %s"  # noqa: S608 - names: see above
    return db.fetchall(sql, (*params, limit))
