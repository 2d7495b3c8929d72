"""Lambda entry point EventBridge Scheduler calls every ten minutes: record the outcome of executions that ended
without recording one (forge.pipeline.ended_executions)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from forge.observability import logger
from forge.pipeline.ended_executions import record_ended_executions
from forge.tracing import tracer  # noqa: F401 - built here when tracing is on (in AWS): X-Ray patches the AWS SDK
from forge.wiring import default_deps


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return asdict(record_ended_executions(default_deps()))
