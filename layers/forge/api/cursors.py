"""Opaque cursors: keyset pagination for job lists, per-run offsets for log tailing."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from forge.errors import ForgeError


class BadCursor(ForgeError):
    pass


def _encode(data: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: a cursor forged as deeply nested JSON
        raise BadCursor("cursor is not one this API issued") from None


def page_cursor(created_at: datetime, job_id: UUID) -> str:
    return _encode([created_at.isoformat(), str(job_id)])


def parse_page_cursor(cursor: str) -> tuple[datetime, UUID]:
    data = _decode(cursor)
    try:
        return datetime.fromisoformat(data[0]), UUID(data[1])
    except (TypeError, ValueError, IndexError, KeyError):
        raise BadCursor("cursor is not one this API issued") from None


def log_cursor(offsets: dict[str, int]) -> str:
    return _encode(offsets)


def parse_log_cursor(cursor: str) -> dict[str, int]:
    data = _decode(cursor)
    if not isinstance(data, dict) or not all(isinstance(v, int) and v >= 0 for v in data.values()):
        raise BadCursor("cursor is not one this API issued")
    return data
