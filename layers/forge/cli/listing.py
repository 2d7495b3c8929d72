"""How listing and detail commands print: the API's JSON for scripts, tables sized to the reader for people.

`--json` prints the API's own document, once, as JSON: json.dumps escapes every control and non-ASCII character,
so untrusted text in it cannot reach the terminal as anything but its escape. A table never folds a job id or a
status across lines; on a terminal the other columns fold to fit its width, and anything else (a pipe, a file)
gets every row on one line, as wide as it needs.
"""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.measure import Measurement
from rich.table import Table

from forge.cli.output import console

JsonFlag = typer.Option("--json", help="Print the API's JSON document instead of a table (for scripts)")


def print_json(document: Any) -> None:
    typer.echo(json.dumps(document, indent=2, sort_keys=False))


def new_table(*unbreakable: str, other: tuple[str, ...] = ()) -> Table:
    """Columns named in `unbreakable` (ids, statuses) are never wrapped or cut; the `other` ones fold to fit."""
    table = Table()
    for header in unbreakable:
        table.add_column(header, no_wrap=True, overflow="ignore")
    for header in other:
        table.add_column(header, overflow="fold")
    return table


def print_table(table: Table) -> None:
    if console.is_terminal:
        console.print(table)
        return
    # Not a terminal: no width to fit, so no row is folded (a script reading lines gets one row per line).
    # Console.print never renders wider than the console, so the console is widened for this one table.
    wide = Measurement.get(console, console.options.update(width=100_000), table).maximum
    narrow = console.width
    console.width = max(wide, narrow)
    try:
        console.print(table, crop=False)
    finally:
        console.width = narrow
