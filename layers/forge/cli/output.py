"""Consoles, the one way to print text the CLI did not write, and the error policy every command shares."""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from forge.errors import ForgeError, SpecError

# emoji=False: an untrusted ":name:" must not turn into a symbol either.
console = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

P = ParamSpec("P")
R = TypeVar("R")

# C0/C1 control characters (ESC starts every ANSI sequence; CR and BS overwrite what is shown) and the Unicode
# direction overrides that reorder what is shown. Tab is harmless; newline is kept only where lines are expected.
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE_LINE = re.compile(f"[\n{_CONTROLS}]")
_UNSAFE_TEXT = re.compile(f"[{_CONTROLS}]")


def untrusted(value: object, multiline: bool = False) -> str:
    """Text the CLI did not write (API answers, database rows, logs, release files), ready to embed in a rich
    markup string: it prints as the characters it holds. Markup is escaped (a "[bold]✓[/]" stays literal, an
    unbalanced "[/]" cannot crash the print); control characters are shown escaped ("\\x1b[2J"), never sent to
    the terminal; newlines too, unless `multiline` (logs, table cells)."""
    unsafe = _UNSAFE_TEXT if multiline else _UNSAFE_LINE
    shown = unsafe.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(value))
    return escape(shown)


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Domain errors become a message and an exit code (2 for bad input, 1 otherwise), never a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except SpecError as exc:
            err.print(f"error: {untrusted(exc.source)}: invalid plugin spec", style="red")
            for problem in exc.problems:
                err.print(f"  - {untrusted(problem)}")
            raise typer.Exit(2) from None
        except ForgeError as exc:
            err.print(f"error: {untrusted(exc, multiline=True)}", style="red")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except Exception as exc:  # noqa: BLE001 - the last resort: a message and exit 3, never a traceback
            if os.environ.get("FORGE_DEBUG"):
                traceback.print_exc()
            err.print(
                f"internal error: {type(exc).__name__}: {untrusted(exc, multiline=True)} "
                "(FORGE_DEBUG=1 shows the traceback)",
                style="red",
            )
            raise typer.Exit(3) from None

    return wrapper
