"""`forge scan`: exit codes, text and JSON output, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forge.cli.main import app
from forge.errors import ForgeError
from forge.gates import scan

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scan"


def test_exit_1_and_findings_on_errors() -> None:
    result = CliRunner().invoke(app, ["scan", str(FIXTURES / "malicious"), "--rule", "exec."])
    assert result.exit_code == 1
    assert "exec.shell" in result.stdout
    assert "webshell.php:6" in result.stdout


def test_exit_0_when_only_warnings() -> None:
    result = CliRunner().invoke(
        app, ["scan", str(FIXTURES / "rules" / "files.hidden" / "good"), "--rule", "files.", "--all-files"]
    )
    assert result.exit_code == 0, result.stdout
    assert "0 error(s), 1 warning(s)" in result.stdout


def test_json_output() -> None:
    result = CliRunner().invoke(
        app, ["scan", str(FIXTURES / "rules" / "exec.eval" / "bad"), "--json", "--rule", "exec"]
    )
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["ok"] is False
    assert payload["errors"] == 2
    assert {"rule", "path", "line", "severity", "message"} <= set(payload["findings"][0])


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["scan", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "is not a folder" in result.output
    assert "Traceback" not in result.output


def test_unknown_rule_is_refused_not_a_silent_pass() -> None:
    result = CliRunner().invoke(app, ["scan", str(FIXTURES / "malicious"), "--rule", "bogus"])
    assert result.exit_code == 2
    assert "unknown rule id or prefix: bogus" in result.output
    assert "0 error(s)" not in result.output
    assert "Traceback" not in result.output


def test_one_unknown_rule_among_known_ones_is_refused() -> None:
    result = CliRunner().invoke(app, ["scan", str(FIXTURES / "malicious"), "--rule", "exec.", "--rule", "net.hots"])
    assert result.exit_code == 2
    assert "net.hots" in result.output


def test_unknown_platform_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["scan", str(FIXTURES / "malicious"), "--platform", "drupal9"])
    assert result.exit_code == 2
    assert "no platform 'drupal9'" in result.output
    assert "Traceback" not in result.output


def test_scan_api_refuses_an_unknown_rule() -> None:
    with pytest.raises(ForgeError, match=r"unknown rule id or prefix: exec\.nope"):
        scan(FIXTURES / "malicious", ["api.molam.com"], only=["exec.nope"])
