"""Consoles and the error policy every command shares."""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console

from forge.errors import ForgeError, SpecError

console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Domain errors become a message and an exit code (2 for bad input, 1 otherwise), never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SpecError as exc:
            err.print(f"error: {exc.source}: invalid plugin spec", style="red", markup=False)
            for problem in exc.problems:
                err.print(f"  - {problem}", markup=False)
            raise typer.Exit(2) from None
        except ForgeError as exc:
            err.print(f"error: {exc}", style="red", markup=False)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise
        except Exception as exc:
            if os.environ.get("FORGE_DEBUG"):
                traceback.print_exc()
            err.print(
                f"internal error: {type(exc).__name__}: {exc} (FORGE_DEBUG=1 shows the traceback)",
                style="red",
                markup=False,
            )
            raise typer.Exit(3) from None

    return wrapper  # type: ignore[return-value]
