"""`forge up --port N` outside 0-65535 is refused as bad input before anything starts (it used to start Postgres,
SoftHSM and moto, then fail with "internal error: OverflowError")."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from forge.cli.main import app


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_a_port_out_of_range_is_refused_before_starting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, port: str
) -> None:
    monkeypatch.setenv("FORGE_HOME", str(tmp_path / "home"))

    result = CliRunner().invoke(app, ["up", "--port", port])

    assert result.exit_code == 2, result.output
    assert "--port" in result.output
    assert not (tmp_path / "home").exists()
