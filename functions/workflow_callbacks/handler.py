"""Lambda entry point EventBridge Scheduler calls every minute: deliver the workflow callbacks still due (approval
decisions and revocations whose SendTaskSuccess/Failure could not be delivered at once), and retry the marketplace
retractions that failed (a revoked release still offered somewhere: alarmed until it is down)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from forge.observability import logger
from forge.pipeline.retraction import sweep_retractions
from forge.pipeline.workflow_callbacks import sweep
from forge.tracing import tracer  # noqa: F401 - built here when tracing is on (in AWS): X-Ray patches the AWS SDK
from forge.wiring import default_deps


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = default_deps()
    return asdict(sweep(deps)) | {"retractions_done": sweep_retractions(deps)}
