"""FORGE_HOME holds the local forge's secrets (token signing key, MFA key, HSM PIN, database password, logs):
another local user can neither list it nor read anything in it."""

from __future__ import annotations

import logging
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forge.cli.main import app
from forge.config import reset_settings
from tests.attacks.other_user import as_nobody
from tests.e2e.conftest import local_runtime


@pytest.fixture
def open_parent() -> Iterator[Path]:
    """A folder everyone may enter (like a home directory's parents), not pytest's tmp dir (0700 for root)."""
    root = Path(tempfile.mkdtemp(prefix="forge-attack-home-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def others_get_in(home: Path, readable: Path) -> list[str]:
    """What user nobody managed to do in `home`: list it, or read `readable` inside it."""
    got = []
    listing = as_nobody(["/bin/ls", "-A", str(home)])
    if listing.returncode == 0:
        got.append(f"listed: {listing.stdout.split()}")
    reading = as_nobody(["/bin/cat", str(readable)])
    if reading.returncode == 0:
        got.append(f"read {readable.name}")
    return got


def test_the_cli_creates_forge_home_private(open_parent: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`forge token` on a fresh FORGE_HOME creates it 0700: its signing key is out of other users' reach."""
    home = open_parent / "home"
    monkeypatch.setenv("FORGE_HOME", str(home))
    reset_settings()
    result = CliRunner().invoke(app, ["token", "--user", "erin"])
    reset_settings()
    assert result.exit_code == 0, result.output
    assert others_get_in(home, home / "auth" / "jwt-signing-key.pem") == []
    assert stat.S_IMODE(home.stat().st_mode) & 0o077 == 0


def test_the_runtime_tightens_an_open_forge_home(
    open_parent: Path, db_dsn: str, softhsm: str, caplog: pytest.LogCaptureFixture
) -> None:
    """`forge up` on a FORGE_HOME others could enter closes it, and says so (it may have been read already)."""
    home = open_parent / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    (home / "notes.txt").write_text("runtime state")
    (home / "notes.txt").chmod(0o644)
    with caplog.at_level(logging.WARNING), local_runtime(home, db_dsn):
        assert others_get_in(home, home / "notes.txt") == []
        logs = home / "logs"
        assert not logs.exists() or others_get_in(logs, logs) == []
    assert any("open to other users" in r.getMessage() for r in caplog.records), caplog.text


def test_the_embedded_database_keeps_forge_home_private(open_parent: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Starting the embedded Postgres (run as root, pgserver opens the folders above its data to everyone) leaves
    FORGE_HOME closed to other users, and its password file 0600."""
    home = open_parent / "home"
    monkeypatch.setenv("FORGE_HOME", str(home))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    reset_settings()
    result = CliRunner().invoke(app, ["db", "migrate"])
    reset_settings()
    assert result.exit_code == 0, result.output
    assert others_get_in(home, home / "pgdata.password") == []
    assert stat.S_IMODE((home / "pgdata.password").stat().st_mode) == 0o600
