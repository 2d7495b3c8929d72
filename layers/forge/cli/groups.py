"""A named group of subcommands (`forge keys ...`, `forge audit ...`) registered on the main app."""

from __future__ import annotations

import typer


def command_group(app: typer.Typer, name: str, help_text: str) -> typer.Typer:
    group = typer.Typer(help=help_text, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group
