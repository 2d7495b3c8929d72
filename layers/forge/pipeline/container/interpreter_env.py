"""What the isolated half's interpreter is started with, in bubblewrap and in the Fargate task alike (both clear
the rest of the environment)."""

from __future__ import annotations

INTERPRETER_ENV: dict[str, str] = {
    # No pydantic plugins are used; without it the first model built scans every installed distribution's entry
    # points for them, in every step (as infra/context.py sets it for every function).
    "PYDANTIC_DISABLE_PLUGINS": "__all__",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
}
