"""Lambda entry point EventBridge Scheduler calls every minute: deliver the workflow callbacks still due (approval
decisions and revocations whose SendTaskSuccess/Failure could not be delivered at once)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from forge.observability import logger
from forge.pipeline.workflow_callbacks import sweep
from forge.tracing import tracer  # noqa: F401 - built here, in Lambda only: X-Ray patches the AWS SDK
from forge.wiring import default_deps


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return asdict(sweep(default_deps()))
