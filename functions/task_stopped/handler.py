"""Lambda entry point of the EventBridge rule on the forge cluster's stopped tasks: fail the workflow state of a
container step whose task stopped before it reported (forge.pipeline.container.stopped_task)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from forge.observability import logger
from forge.pipeline.container.stopped_task import TaskStateChange, fail_stopped_task
from forge.tracing import tracer  # noqa: F401 - built here when tracing is on (in AWS): X-Ray patches the AWS SDK
from forge.wiring import workflow_client


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return {"outcome": fail_stopped_task(workflow_client(), TaskStateChange.model_validate(event))}
