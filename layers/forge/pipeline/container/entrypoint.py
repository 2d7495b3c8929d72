"""What `functions/<build|test|sandbox>/entrypoint.py` run: the isolated half.

Command line: STAGED WORK RESULT_FD. STAGED is the trusted half's input (read-only), WORK an empty folder this
process may write, RESULT_FD the pipe the CheckReport goes to (the only thing that goes back).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from forge.isolation.leftovers import end_leftovers, guard_isolated_half
from forge.isolation.runner import Limits, SubprocessRunner
from forge.models.steps import Step
from forge.pipeline.container.checks import CHECKS
from forge.pipeline.container.report import CheckReport


def limits_from_env() -> Limits:
    return Limits(
        cpu_seconds=int(os.environ.get("FORGE_TOOL_CPU_SECONDS", "120")),
        memory_mb=int(os.environ.get("FORGE_TOOL_MEMORY_MB", "768")),
        wall_seconds=int(os.environ.get("FORGE_TOOL_WALL_SECONDS", "300")),
        max_processes=int(os.environ.get("FORGE_TOOL_MAX_PROCESSES", "128")),
        disk_mb=int(os.environ.get("FORGE_TOOL_DISK_MB", "256")),
    )


def main(step: Step, argv: Sequence[str]) -> int:
    staged, work, result_fd = Path(argv[0]), Path(argv[1]), int(argv[2])
    # Not inherited by the tools, and not reachable through /proc/<pid>/fd by them (non-dumpable).
    os.set_inheritable(result_fd, False)
    guard_isolated_half()
    try:
        report = CHECKS[step](staged, work, SubprocessRunner(), limits_from_env())
    except Exception as exc:  # noqa: BLE001 - the reporter turns it into the run's error; a traceback helps nobody here
        report = CheckReport(
            ok=False,
            summary=f"{step.value} checks could not run",
            log="",
            error=f"{type(exc).__name__}: {exc}",
        )
    end_leftovers()
    with os.fdopen(result_fd, "wb") as result:
        result.write(report.model_dump_json().encode())
    return 0
