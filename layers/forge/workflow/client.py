"""The Step Functions adapter behind forge.ports.workflow.WorkflowClient (boto3; moto's engine locally)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, NoReturn

import boto3
from botocore.exceptions import ClientError

from forge.errors import Conflict, ForgeError, TransientError

if TYPE_CHECKING:
    from mypy_boto3_ecs import ECSClient
    from mypy_boto3_stepfunctions import SFNClient

_THROTTLED = {"ThrottlingException", "ServiceUnavailable", "InternalServerError"}


def _raise(exc: ClientError, doing: str) -> NoReturn:
    code = exc.response["Error"]["Code"]
    message = exc.response["Error"].get("Message", "")
    if code in _THROTTLED:
        raise TransientError(f"Step Functions busy while {doing}: {code}") from exc
    if code in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
        raise Conflict(f"the workflow is no longer waiting ({code}) while {doing}") from exc
    raise ForgeError(f"Step Functions refused {doing}: {code}: {message}") from exc


class StepFunctionsWorkflow:
    def __init__(self, state_machine_arn: str, sfn: SFNClient | None = None, ecs: ECSClient | None = None) -> None:
        self.state_machine_arn = state_machine_arn
        self._sfn = sfn
        self._ecs = ecs

    @property
    def sfn(self) -> SFNClient:
        if self._sfn is None:
            self._sfn = boto3.client("stepfunctions")
        return self._sfn

    @property
    def ecs(self) -> ECSClient:
        if self._ecs is None:
            self._ecs = boto3.client("ecs")
        return self._ecs

    def start(self, name: str, payload: dict[str, Any]) -> str:
        try:
            return self.sfn.start_execution(
                stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(payload)
            )["executionArn"]
        except ClientError as exc:
            _raise(exc, f"starting execution {name}")

    def stop(self, execution_arn: str, cause: str) -> None:
        try:
            self.sfn.stop_execution(executionArn=execution_arn, error="Forge.Cancelled", cause=cause[:32768])
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ExecutionDoesNotExist":
                return
            _raise(exc, "stopping the execution")

    def status(self, execution_arn: str) -> str | None:
        """RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED; None when the execution is unknown."""
        try:
            return self.sfn.describe_execution(executionArn=execution_arn)["status"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("ExecutionDoesNotExist", "StateMachineDoesNotExist"):
                return None
            _raise(exc, "describing the execution")

    def send_success(self, task_token: str, output: dict[str, Any]) -> None:
        try:
            self.sfn.send_task_success(taskToken=task_token, output=json.dumps(output))
        except ClientError as exc:
            _raise(exc, "releasing the task")

    def send_failure(self, task_token: str, error: str, cause: str) -> None:
        try:
            self.sfn.send_task_failure(taskToken=task_token, error=error[:256], cause=cause[:32768])
        except ClientError as exc:
            _raise(exc, "failing the task")

    def send_heartbeat(self, task_token: str) -> None:
        try:
            self.sfn.send_task_heartbeat(taskToken=task_token)
        except ClientError as exc:
            _raise(exc, "sending a heartbeat")

    def stop_task(self, cluster: str, task_arn: str, reason: str) -> None:
        try:
            self.ecs.stop_task(cluster=cluster, task=task_arn, reason=reason[:255])
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("InvalidParameterException", "ClientException"):
                return  # already stopped
            raise
