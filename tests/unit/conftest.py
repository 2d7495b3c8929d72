"""The unit tier's rule, enforced: a unit test starts no process, opens no socket and reaches no database.

What needs one of those is an integration test (tests/integration); docs/testing.md says what each tier may use.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable
from typing import Any, NoReturn

import psycopg2
import pytest


class UnitTierViolation(AssertionError):
    """Raised where a unit test reaches for a process, a socket or a database."""


def _refuse(what: str) -> Callable[..., NoReturn]:
    def refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
        raise UnitTierViolation(f"a unit test {what}: move it to tests/integration (docs/testing.md)")

    return refuse


# Every way the standard library starts a process ends in one of these (subprocess.run, Popen, os.system,
# os.spawn*, multiprocessing); patched where they are looked up at call time.
_PROCESS_ENTRIES = [
    (subprocess.Popen, "_execute_child"),
    (os, "fork"),
    (os, "forkpty"),
    (os, "posix_spawn"),
    (os, "posix_spawnp"),
    (os, "system"),
]


@pytest.fixture(autouse=True)
def no_processes_sockets_or_databases(monkeypatch: pytest.MonkeyPatch) -> None:
    for owner, name in _PROCESS_ENTRIES:
        monkeypatch.setattr(owner, name, _refuse(f"started a process ({name})"))
    monkeypatch.setattr(socket.socket, "bind", _refuse("bound a socket (a server)"))
    monkeypatch.setattr(socket.socket, "connect", _refuse("opened a connection"))
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse("opened a connection"))
    # psycopg2.connect ends in psycopg2._connect: patching both also catches `from psycopg2 import connect`.
    monkeypatch.setattr(psycopg2, "connect", _refuse("connected to a database"))
    monkeypatch.setattr(psycopg2, "_connect", _refuse("connected to a database"))
