"""FORGE_API_URL is the user's setting: one that is not an http(s) URL is named in a message (exit 1), not reported
as an internal error."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from forge.cli.main import app


@pytest.mark.parametrize("url", ["not-a-url", "ftp://forge.example/", "https://"])
def test_a_malformed_api_url_is_named(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("FORGE_API_URL", url)
    monkeypatch.setenv("FORGE_TOKEN", "a-token")

    result = CliRunner().invoke(app, ["jobs"])

    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    assert "FORGE_API_URL" in result.output
