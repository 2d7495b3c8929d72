"""Lambda entry point the EventBridge schedule calls: rotate the package signing key."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from forge.observability import logger
from forge.pipeline.key_rotation import rotate_keys
from forge.tracing import tracer  # noqa: F401 - built here, in Lambda only: X-Ray patches the AWS SDK
from forge.wiring import default_deps


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    rotation = rotate_keys(default_deps())
    return {
        "key_id": rotation.active.key_id,
        "backend": rotation.active.backend,
        "previous_key_id": rotation.previous.key_id if rotation.previous else None,
        "previous_status": rotation.previous.status if rotation.previous else None,
    }
