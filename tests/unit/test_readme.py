"""The README's reference tables stay complete: every setting and every CLI command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from forge.cli.main import app
from forge.config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.S | re.M)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def test_every_setting_is_in_the_configuration_table() -> None:
    table = _section("Configuration")
    missing = [f.alias for f in Settings.model_fields.values() if f"`{f.alias}`" not in table]
    assert not missing, f"README Configuration lacks {missing}"


def test_every_cli_command_is_in_the_commands_table() -> None:
    table = _section("Commands")
    commands = typer.main.get_command(app)
    names = []
    for name, command in commands.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        names += [f"forge {name} {sub}" for sub in subcommands] if subcommands else [f"forge {name}"]
    # A name is documented when a cell starts with it (`forge keys list`, `forge cancel ID`, ...).
    missing = [n for n in names if f"`{n}" not in table]
    assert not missing, f"README Commands lacks {missing}"
