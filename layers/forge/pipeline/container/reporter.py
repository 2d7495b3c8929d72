"""The trusted half of a container step: stage inputs, launch the isolated checks, record, report.

In AWS this runs as the Fargate task's main process (functions/<step>/task.py); locally the ECS RunTask
emulator runs it on the host and launches the checks inside bubblewrap.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from pydantic import ValidationError

from forge.errors import ForgeError, StepFailed, TransientError
from forge.isolation.runner import Completed
from forge.models.job import Step, StepEvent, StepResult
from forge.observability import logger
from forge.packaging.archive import unzip_tree
from forge.pipeline import artifacts_layout
from forge.pipeline.bookkeeping import StepContext, StepOutcome, run_step
from forge.pipeline.container.checks import RESULT, CheckReport, stage
from forge.pipeline.deps import PipelineDeps

# A check report is a few KB of logs; anything far larger is not one.
MAX_RESULT_BYTES = 8 * 1024 * 1024

# Launch the isolated checks in a staged working directory; return how the process ended.
Launcher = Callable[[Step, Path], Completed]


def read_result(path: Path) -> bytes | None:
    """The isolated half's result file, or None. The launcher may be root and the file is written by untrusted code:
    never follow a symlink it planted (e.g. to /proc/self/environ) and read only a regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        # Cut off, an oversized file is no longer valid JSON and fails validation as "not a check report".
        return handle.read(MAX_RESULT_BYTES)


def run_container_step(
    deps: PipelineDeps, step: Step, event: StepEvent, launch: Launcher, task: dict[str, str] | None = None
) -> StepResult:
    def body(ctx: StepContext) -> StepOutcome:
        if task:  # lets `cancel` stop this very task
            deps.repos.runs.merge_artifacts(ctx.run_id, task)
        tree = unzip_tree(deps.artifacts.get(artifacts_layout.source_zip(ctx.job.id)))
        with tempfile.TemporaryDirectory(prefix=f"forge-{step.value}-") as tmp:
            workdir = Path(tmp)
            stage(workdir, ctx.job.params, tree, step)
            ctx.log(f"running the {step.value} checks in an isolated container")
            completed = launch(step, workdir)
            raw = read_result(workdir / RESULT)
            if raw is None:
                ctx.log(completed.describe())
                how = "timed out" if completed.timed_out else f"exited {completed.returncode}"
                raise StepFailed(f"the {step.value} container {how} without a result")
            try:
                report = CheckReport.model_validate_json(raw)
            except ValidationError:
                # Not echoed: the text came from untrusted code and the error would carry it into logs.
                raise StepFailed(f"the {step.value} container wrote a result that is not a check report") from None
        ctx.log(report.log)
        for c in report.compatibility:
            deps.repos.packages.record_compatibility(
                ctx.package_id, c["cms"], c["cms_version"], c["php_version"], c["passed"], c["details"]
            )
        if report.contract_tests:
            deps.repos.packages.record_test_results(ctx.package_id, ctx.job.id, report.contract_tests)
        if not report.ok:
            raise StepFailed(report.error or report.summary)
        return StepOutcome(summary=report.summary)

    return run_step(deps, step, event, body)


def execute_task(deps: PipelineDeps, step: Step, env: Mapping[str, str], launch: Launcher) -> None:
    """The whole container task: run the step, then release the workflow with the task token."""
    token = env["FORGE_TASK_TOKEN"]
    event = StepEvent(job_id=env["FORGE_JOB_ID"], delivery=env.get("FORGE_DELIVERY", "manual"))
    task = (
        {"task_arn": env["FORGE_TASK_ARN"], "cluster": env.get("FORGE_CLUSTER", "")}
        if env.get("FORGE_TASK_ARN")
        else None
    )
    try:
        result = run_container_step(deps, step, event, launch, task)
    except (StepFailed, TransientError) as exc:
        deps.workflow.send_failure(token, type(exc).__name__, str(exc))
        return
    except ForgeError as exc:
        deps.workflow.send_failure(token, "StepFailed", str(exc))
        return
    except Exception as exc:
        logger.exception("container step crashed")
        deps.workflow.send_failure(token, type(exc).__name__, f"internal error: {exc}")
        return
    deps.workflow.send_success(token, result.model_dump(mode="json"))
