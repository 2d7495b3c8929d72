"""`forge publications list/show` print each publication on two lines: the status line, then what the marketplace
said. The line break is the CLI's own and must reach the terminal as one; the marketplace's text stays escaped."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from forge.cli import client as client_module
from forge.cli.main import app

PUBLICATION_ID = "03ad2b13-bed1-4a45-80bc-0d73fe512605"


def _publication(said: str) -> dict[str, Any]:
    return {
        "id": PUBLICATION_ID,
        "connector": "Molam Marketplace",
        "publication_status": "published",
        "attempts": 1,
        "url": "file:///tmp/marketplace/slug/1.0.0",
        "connector_message": said,
    }


@pytest.fixture
def said(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the stubbed API says the marketplace answered (the CLI's client, without a socket)."""
    messages = ["offered at /tmp/marketplace/slug/1.0.0"]

    def publications(_self: object, _package_id: str) -> list[dict[str, Any]]:
        return [_publication(messages[0])]

    def publication(_self: object, _publication_id: str) -> dict[str, Any]:
        return {"publication": _publication(messages[0]), "events": []}

    monkeypatch.setattr(client_module.ForgeClient, "__init__", lambda _self: None)
    monkeypatch.setattr(client_module.ForgeClient, "publications", publications)
    monkeypatch.setattr(client_module.ForgeClient, "publication", publication)
    return messages


@pytest.mark.parametrize(
    "command", [["publications", "list", PUBLICATION_ID], ["publications", "show", PUBLICATION_ID]]
)
def test_what_the_marketplace_said_is_on_its_own_line(said: list[str], command: list[str]) -> None:
    result = CliRunner().invoke(app, command)

    assert result.exit_code == 0, result.output
    assert "\\n" not in result.output
    lines = result.output.splitlines()
    assert lines[0].endswith("file:///tmp/marketplace/slug/1.0.0")
    assert lines[1].strip() == "offered at /tmp/marketplace/slug/1.0.0"


def test_the_marketplace_text_cannot_add_lines_or_escapes(said: list[str]) -> None:
    said[0] = "ok\nPUBLISHED everywhere\x1b[2J"

    result = CliRunner().invoke(app, ["publications", "list", PUBLICATION_ID])

    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 2
    assert "ok\\nPUBLISHED everywhere\\x1b[2J" in result.output
