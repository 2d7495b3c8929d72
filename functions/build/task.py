"""The build Fargate task's main process: stages the inputs, runs entrypoint.py beside it as a child,
records the run, and reports to Step Functions with the task token it was started with."""

from pathlib import Path

from forge.models.job import Step
from forge.pipeline.container.task_main import run_task
from forge.wiring import default_deps

if __name__ == "__main__":
    run_task(default_deps(), Step.BUILD, Path(__file__).with_name("entrypoint.py"))
