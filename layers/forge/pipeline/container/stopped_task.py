"""A container step whose Fargate task stopped: fail its workflow state with why, unless the task already answered.

ECS sends an "ECS Task State Change" event when a task stops (infra/task_events.py routes the forge cluster's to
functions/task_stopped). Almost every task stops after its reporter answered: then the token is spent and Step
Functions refuses the failure (TaskTimedOut / InvalidToken), which is the expected, quiet case. A task that never
answered (its image could not be pulled, it was killed for memory, the reporter crashed) would otherwise leave its state
waiting until the heartbeat or the timeout.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from forge.errors import Conflict
from forge.observability import emit_metric, logger
from forge.ports.workflow import WorkflowClient

TOKEN_VARIABLE = "FORGE_TASK_TOKEN"  # noqa: S105 - a variable name; set by the ASL's ContainerOverrides (statemachine/forge.asl.json)
ERROR = "Forge.TaskStopped"
Outcome = Literal["failed", "already answered", "no task token"]


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class EnvironmentVariable(_Event):
    name: str
    value: str = ""


class ContainerOverride(_Event):
    name: str = ""
    environment: list[EnvironmentVariable] = []


class Overrides(_Event):
    container_overrides: list[ContainerOverride] = Field(default=[], alias="containerOverrides")


class StoppedContainer(_Event):
    name: str = ""
    exit_code: int | None = Field(default=None, alias="exitCode")
    reason: str | None = None


class StoppedTask(_Event):
    """The `detail` of an ECS "Task State Change" event (the task's description)."""

    task_arn: str = Field(default="", alias="taskArn")
    last_status: str = Field(default="", alias="lastStatus")
    stopped_reason: str = Field(default="", alias="stoppedReason")
    stop_code: str | None = Field(default=None, alias="stopCode")
    overrides: Overrides = Overrides()
    containers: list[StoppedContainer] = []

    def task_token(self) -> str | None:
        for override in self.overrides.container_overrides:
            for variable in override.environment:
                if variable.name == TOKEN_VARIABLE and variable.value:
                    return variable.value
        return None

    def why(self) -> str:
        containers = "; ".join(
            f"container {c.name} exit {c.exit_code}" + (f": {c.reason}" if c.reason else "")
            for c in self.containers
            if c.exit_code is not None or c.reason
        )
        stopped = self.stopped_reason or "no reason given"
        code = f" ({self.stop_code})" if self.stop_code else ""
        return f"the task {self.task_arn} stopped before it reported: {stopped}{code}" + (
            f"; {containers}" if containers else ""
        )


class TaskStateChange(_Event):
    detail: StoppedTask


def fail_stopped_task(workflow: WorkflowClient, event: TaskStateChange) -> Outcome:
    task = event.detail
    token = task.task_token()
    if token is None:
        return "no task token"
    cause = task.why()
    try:
        workflow.send_failure(token, ERROR, cause)
    except Conflict:
        # The reporter answered before the task stopped (or the execution is gone): nothing waits on it.
        return "already answered"
    emit_metric("forge_tasks_stopped_unreported_total", 1)
    logger.warning("a container task stopped without reporting; its state is failed", extra={"cause": cause[:1000]})
    return "failed"
