"""What `functions/<build|sandbox>/entrypoint.py` run: the isolated half, in the staged working directory."""

from __future__ import annotations

import os
from pathlib import Path

from forge.isolation.runner import Limits, SubprocessRunner
from forge.models.job import Step
from forge.pipeline.container.checks import CHECKS, RESULT, CheckReport


def limits_from_env() -> Limits:
    return Limits(
        cpu_seconds=int(os.environ.get("FORGE_TOOL_CPU_SECONDS", "120")),
        memory_mb=int(os.environ.get("FORGE_TOOL_MEMORY_MB", "768")),
        wall_seconds=int(os.environ.get("FORGE_TOOL_WALL_SECONDS", "300")),
    )


def main(step: Step, workdir: Path) -> int:
    try:
        report = CHECKS[step](workdir, SubprocessRunner(), limits_from_env())
    except Exception as exc:  # the reporter turns this into the run's error; a traceback helps nobody here
        report = CheckReport(
            ok=False,
            summary=f"{step.value} checks could not run",
            log="",
            error=f"{type(exc).__name__}: {exc}",
        )
    (workdir / RESULT).write_text(report.model_dump_json())
    return 0
