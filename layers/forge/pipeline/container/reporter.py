"""The trusted half of a container step: stage inputs, launch the isolated checks, record, report.

In AWS this runs as the Fargate task's main process (functions/<step>/task.py); locally the ECS RunTask
emulator runs it on the host and launches the checks inside bubblewrap.

It never opens a path the isolated half could have written: it stages into a folder of its own, the isolated
half gets that folder read-only and works elsewhere, and its report comes back as bytes over a pipe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError

from forge.errors import Conflict, ForgeError, StepFailed, TransientError
from forge.isolation.runner import Completed
from forge.models.job import Step, StepEvent, StepResult
from forge.observability import logger
from forge.packaging.archive import unzip_tree
from forge.pipeline import artifacts_layout
from forge.pipeline.bookkeeping import StepContext, StepOutcome, run_step
from forge.pipeline.container.report import CheckReport
from forge.pipeline.container.staging import stage
from forge.pipeline.container.work_folders import work_folder
from forge.pipeline.deps import PipelineDeps
from forge.ports.workflow import WorkflowClient

# Launch the isolated checks on a staged input folder; return how the process ended, with the report it sent
# (Completed.result). The staged folder's parent is the launcher's own, for a work folder beside it.
Launcher = Callable[[Step, Path], Completed]
STAGED = "input"
# How often the reporter tells Step Functions the step is alive: the container states' HeartbeatSeconds
# (statemachine/forge.asl.json, 300) allows five missed beats before the state fails as States.HeartbeatTimeout, which
# is how a task that hangs, or dies without anyone seeing it stop, is noticed in minutes rather than at the timeout.
HEARTBEAT_SECONDS = 60.0


def record_report(ctx: StepContext, report: CheckReport) -> StepOutcome:
    """Keep what the isolated half found: its log, the test report, the result rows; fail the step on a failure."""
    ctx.log(report.log)
    if report.test_report is not None:
        ctx.deps.artifacts.put(artifacts_layout.test_report(ctx.job.id), report.test_report)
    if report.contract_tests:
        ctx.deps.repos.packages.record_test_results(ctx.package_id, ctx.job.id, report.contract_tests)
    for row in report.compatibility:
        ctx.deps.repos.packages.record_compatibility(ctx.package_id, row)
    if report.contradicts_itself():
        raise StepFailed(f"the {ctx.step.value} container reported success beside failing results")
    if not report.ok:
        raise StepFailed(report.error or report.summary)
    return StepOutcome(summary=report.summary, artifacts=dict(report.artifacts))


def run_container_step(
    deps: PipelineDeps, step: Step, event: StepEvent, launch: Launcher, task: dict[str, str] | None = None
) -> StepResult:
    def body(ctx: StepContext) -> StepOutcome:
        if task:  # lets `cancel` stop this very task
            deps.repos.runs.merge_artifacts(ctx.run_id, task)
        tree = unzip_tree(deps.artifacts.get(artifacts_layout.source_zip(ctx.job.id)))
        with work_folder(step) as tmp:
            staged = tmp / STAGED
            stage(staged, ctx.job.params, tree, step)
            ctx.log(f"running the {step.value} checks in an isolated container")
            completed = launch(step, staged)
        if not completed.result:
            ctx.log(completed.describe())
            how = "timed out" if completed.timed_out else f"exited {completed.returncode}"
            raise StepFailed(f"the {step.value} container {how} without a result")
        try:
            report = CheckReport.model_validate_json(completed.result)
        except ValidationError:
            # Not echoed: the text came from untrusted code and the error would carry it into logs.
            raise StepFailed(f"the {step.value} container wrote a result that is not a check report") from None
        return record_report(ctx, report)

    return run_step(deps, step, event, body)


@contextmanager
def heartbeat(workflow: WorkflowClient, token: str, every: float) -> Iterator[None]:
    """Send SendTaskHeartbeat every `every` seconds while the block runs. A refused beat (the workflow no longer waits:
    cancelled, timed out) ends the beating; any other failure is logged and the next beat tries again."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                workflow.send_heartbeat(token)
            except Conflict as exc:
                logger.warning("heartbeat refused: the workflow no longer waits for this task", extra={"why": str(exc)})
                return
            except Exception as exc:  # noqa: BLE001 - a lost beat is retried by the next one
                logger.warning("heartbeat not sent", extra={"error": f"{type(exc).__name__}: {exc}"[:500]})

    thread = threading.Thread(target=beat, name="task-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _answer(workflow: WorkflowClient, token: str, result: StepResult | None, error: tuple[str, str] | None) -> bool:
    """Deliver the task's answer; False when it could not be (the task then exits non-zero, and the rule on stopped
    tasks, infra/task_events.py, tries again with the stop reason)."""
    try:
        if result is not None:
            workflow.send_success(token, result.model_dump(mode="json"))
        else:
            name, cause = error or ("StepFailed", "no result")
            workflow.send_failure(token, name, cause)
    except Conflict as exc:
        logger.warning("the workflow no longer waits for this task's answer", extra={"why": str(exc)})
    except Exception:  # noqa: BLE001 - logged; the task exits non-zero and the stopped-task rule answers instead
        logger.exception("could not answer the workflow")
        return False
    return True


def execute_task(
    step: Step,
    env: Mapping[str, str],
    workflow: WorkflowClient,
    deps: Callable[[], PipelineDeps],
    launcher: Callable[[], Launcher],
    heartbeat_seconds: float | None = None,
) -> bool:
    """The whole container task: set up, run the step, then release the workflow with the task token. Everything after
    reading the token is inside the try, setting up the dependencies included (reading the database secret, building
    the launcher): whatever fails is reported, and the reporter heartbeats all along. True when the workflow has its
    answer."""
    token = env.get("FORGE_TASK_TOKEN")
    if not token:
        logger.error("no FORGE_TASK_TOKEN: this task was not started by the workflow, there is nothing to report to")
        return False
    every = HEARTBEAT_SECONDS if heartbeat_seconds is None else heartbeat_seconds
    result: StepResult | None = None
    error: tuple[str, str] | None = None
    with heartbeat(workflow, token, every):
        try:
            event = StepEvent(job_id=env.get("FORGE_JOB_ID", ""), delivery=env.get("FORGE_DELIVERY", "manual"))
            task = (
                {"task_arn": env["FORGE_TASK_ARN"], "cluster": env.get("FORGE_CLUSTER", "")}
                if env.get("FORGE_TASK_ARN")
                else None
            )
            result = run_container_step(deps(), step, event, launcher(), task)
        except (StepFailed, TransientError) as exc:
            error = (type(exc).__name__, str(exc))
        except ForgeError as exc:
            error = ("StepFailed", str(exc))
        except Exception as exc:  # noqa: BLE001 - logged, and the workflow hears of it instead of waiting for ever
            logger.exception("container step crashed")
            error = (type(exc).__name__, f"internal error: {type(exc).__name__}: {exc}")
    return _answer(workflow, token, result, error)
