"""The build Fargate task's main process: stages the inputs, runs entrypoint.py as a child, records the
run, and reports to Step Functions with the task token it was started with."""

import os
import sys
from pathlib import Path

from forge.isolation.runner import Limits, run_bounded
from forge.models.job import Step
from forge.pipeline.container.reporter import execute_task
from forge.wiring import default_deps

ENTRYPOINT = Path(__file__).with_name("entrypoint.py")


def launch(step: Step, workdir: Path):  # noqa: ANN201 - returns forge.isolation.runner.Completed
    return run_bounded([sys.executable, str(ENTRYPOINT), str(workdir)], workdir, Limits(), dict(os.environ))


if __name__ == "__main__":
    execute_task(default_deps(), Step.BUILD, os.environ, launch)
