"""approver_security_events: the append-only record of what happened to an approver's second factor."""

from __future__ import annotations

from typing import Any

from psycopg2.extras import Json

from forge.db.dict_rows import DictRowCursor
from forge.models.approver import SecurityEvent, SecurityEventKind


def append_event(
    cur: DictRowCursor,
    approver: str,
    event: SecurityEventKind,
    actor: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Inside the caller's transaction, so an event is recorded exactly when the change it describes is."""
    cur.execute(
        """INSERT INTO approver_security_events (approver, event, actor, reason, details)
           VALUES (%s, %s, %s, %s, %s)""",
        (approver, event, actor, reason, Json({k: v for k, v in (details or {}).items() if v is not None})),
    )


def read_events(cur: DictRowCursor, approver: str, limit: int) -> list[SecurityEvent]:
    """Newest first."""
    cur.execute(
        """SELECT id, approver, event, actor, reason, details, created_at FROM approver_security_events
           WHERE approver = %s ORDER BY id DESC LIMIT %s""",
        (approver, limit),
    )
    return [SecurityEvent.model_validate(row) for row in cur.fetchall()]
