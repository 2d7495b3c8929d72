"""The workflow engine the pipeline runs on: Step Functions in AWS, moto's engine locally (forge.workflow.client).

Adapters raise forge.errors: TransientError when the engine is busy, Conflict when nothing waits on a task token
any more, ForgeError for any other refusal."""

from __future__ import annotations

from typing import Any, Protocol


class WorkflowClient(Protocol):
    def start(self, name: str, payload: dict[str, Any]) -> str:
        """Start an execution; its ARN."""
        ...

    def stop(self, execution_arn: str, cause: str) -> None: ...

    def status(self, execution_arn: str) -> str | None:
        """RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED; None when the execution is unknown."""
        ...

    def send_success(self, task_token: str, output: dict[str, Any]) -> None: ...

    def send_failure(self, task_token: str, error: str, cause: str) -> None: ...

    def send_heartbeat(self, task_token: str) -> None:
        """The task holding `task_token` is still working (the state's HeartbeatSeconds restart)."""
        ...

    def stop_task(self, cluster: str, task_arn: str, reason: str) -> None: ...
