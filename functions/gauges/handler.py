"""Lambda entry point EventBridge Scheduler calls every minute: emit the queue and approval gauges."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from forge.observability import logger
from forge.pipeline.gauges import emit_gauges
from forge.tracing import tracer  # noqa: F401 - built here when tracing is on (in AWS): X-Ray patches the AWS SDK
from forge.wiring import default_deps


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return emit_gauges(default_deps()).model_dump()
