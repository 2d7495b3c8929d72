"""The main process of a container step's Fargate task (functions/<step>/task.py runs this)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from forge.isolation.runner import Completed, Limits, run_bounded
from forge.models.job import Step
from forge.pipeline.container.reporter import execute_task
from forge.wiring import default_deps


def run_task(step: Step, entrypoint: Path) -> None:
    """Stage, run `entrypoint` as a child process (the Fargate task is the isolation boundary), record the
    run, and answer Step Functions with the task token the task was started with."""

    def launch(_step: Step, workdir: Path) -> Completed:
        return run_bounded([sys.executable, str(entrypoint), str(workdir)], workdir, Limits(), dict(os.environ))

    execute_task(default_deps(), step, os.environ, launch)
