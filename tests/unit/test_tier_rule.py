"""The unit tier's rule holds by construction: a unit test that starts a process, opens a socket or connects to
Postgres fails at once, saying where the test belongs (tests/unit/conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import psycopg2
import pytest

from tests.unit.conftest import UnitTierViolation


def test_starting_a_process_fails() -> None:
    with pytest.raises(UnitTierViolation, match="started a process"):
        subprocess.run([sys.executable, "-c", "pass"], check=False)
    with pytest.raises(UnitTierViolation, match="started a process"):
        os.system("true")  # noqa: S605 - the call the tier rule must stop
    with pytest.raises(UnitTierViolation, match="started a process"):
        os.fork()


def test_serving_or_connecting_fails() -> None:
    with socket.socket() as sock:
        with pytest.raises(UnitTierViolation, match="bound a socket"):
            sock.bind(("127.0.0.1", 0))
        with pytest.raises(UnitTierViolation, match="opened a connection"):
            sock.connect(("127.0.0.1", 9))


def test_reaching_postgres_fails() -> None:
    with pytest.raises(UnitTierViolation, match="connected to a database"):
        psycopg2.connect("dbname=forge")
    from psycopg2 import pool

    with pytest.raises(UnitTierViolation, match="connected to a database"):
        pool.SimpleConnectionPool(1, 1, "dbname=forge")
