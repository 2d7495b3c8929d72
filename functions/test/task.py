"""The test Fargate task's main process: stages the inputs, runs entrypoint.py beside it as an unprivileged child
(the plugin's PHPUnit suite and the contract suites), records the run, and reports to Step Functions with the task
token it was started with."""

import sys
from pathlib import Path

from forge import wiring
from forge.models.job import Step
from forge.pipeline.container.task_main import run_task

if __name__ == "__main__":
    # The dependencies are built inside the reporter's try: a failure to set up is reported with the task token.
    sys.exit(
        run_task(Step.TEST, Path(__file__).with_name("entrypoint.py"), wiring.default_deps, wiring.workflow_client)
    )
