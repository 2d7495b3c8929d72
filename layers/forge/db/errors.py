"""Driver errors become forge.errors here, once, so nothing above the repositories knows psycopg2.

A unique or exclusion violation is a Conflict, a missing referenced row or "no data found" (the schema's functions)
a NotFound, a CHECK, NOT NULL, trigger or data refusal a ForgeError, and what is worth a retry (serialization
failure, deadlock, connection trouble) a TransientError. Anything else (a syntax error, an undefined column) is a
bug and stays what it is."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg2

from forge.errors import Conflict, ForgeError, NotFound, TransientError

# SQLSTATE classes worth a retry: serialization failure, deadlock, connection trouble, too many connections.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "53300", "57P01", "57P03"})
_CONFLICT = frozenset({"23505", "23P01"})  # unique_violation, exclusion_violation
_NOT_FOUND = frozenset({"23503", "P0002"})  # foreign_key_violation, no_data_found
_REFUSED = frozenset({"23514", "23502", "P0001"})  # check_violation, not_null_violation, raise_exception
_UNDEFINED_TABLE = "42P01"


def _primary(exc: psycopg2.Error) -> str:
    """The server's one-line message, without the DETAIL that may quote row values."""
    primary = getattr(getattr(exc, "diag", None), "message_primary", None)
    if primary:
        return str(primary).strip()
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def translated(exc: psycopg2.Error) -> Exception:
    """The forge error for a driver error, or the driver error itself when it is a bug."""
    code = exc.pgcode or ""
    message = _primary(exc)
    if code in TRANSIENT_SQLSTATES:
        return TransientError(f"database busy ({code}): {message}")
    if code in _CONFLICT:
        return Conflict(f"refused by the database: {message}")
    if code in _NOT_FOUND:
        return NotFound(message)
    if code in _REFUSED or code.startswith("22"):  # class 22: data exception (a value the column cannot hold)
        return ForgeError(f"refused by the database: {message}")
    if code == _UNDEFINED_TABLE:
        table = re.search(r'"([^"]+)"', message)
        name = table.group(1) if table else "a"
        return ForgeError(f"the database has no {name} table; run `forge db migrate`")
    return exc


Repository = TypeVar("Repository", bound=type)


def _translating(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except psycopg2.Error as exc:
            forge_error = translated(exc)
            if forge_error is exc:
                raise
            raise forge_error from exc

    return call


def translates_driver_errors(cls: Repository) -> Repository:
    """Class decorator for a repository: every public method raises forge.errors, never a psycopg2 error the
    mapping above knows. (Database itself stays the raw driver: the schema tests check the constraints there.)"""
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and callable(member) and not isinstance(member, staticmethod | classmethod):
            setattr(cls, name, _translating(member))
    return cls
