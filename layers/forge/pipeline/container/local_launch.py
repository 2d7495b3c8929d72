"""How the local runtime launches a container step's isolated half: its entrypoint inside bubblewrap, with the
staged input read-only at /input, a fresh size-limited /sandbox to work in, and the report back over a pipe."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from forge.isolation.bubblewrap import SANDBOX_INPUT, SANDBOX_WORKDIR, BubblewrapRunner
from forge.isolation.runner import Completed, Limits, ResultPipe
from forge.pipeline.container.interpreter_env import INTERPRETER_ENV
from forge.pipeline.container.report import MAX_RESULT_BYTES


def launch_in_bubblewrap(
    entrypoint: Path,
    staged: Path,
    limits: Limits,
    env: dict[str, str] | None = None,
    on_start: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> Completed:
    runner = BubblewrapRunner(staged, with_python=True, extra_ro=(str(entrypoint.parent.parent),))
    with ResultPipe(MAX_RESULT_BYTES) as pipe:
        argv = [sys.executable, str(entrypoint), SANDBOX_INPUT, SANDBOX_WORKDIR, str(pipe.child_fd)]
        return runner.run(argv, staged, limits, {**INTERPRETER_ENV, **(env or {})}, on_start=on_start, result=pipe)
