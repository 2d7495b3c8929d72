"""Lambda entry point the EventBridge schedule calls: rotate the package signing key.

The schedule's event says {"reason": "scheduled"}; its retries, and Lambda's own retries of the asynchronous call,
deliver it again, so a scheduled rotation keeps a key activated in the last day rather than make another."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from forge.observability import logger
from forge.pipeline.key_rotation import rotate_keys
from forge.tracing import tracer  # noqa: F401 - built here, in Lambda only: X-Ray patches the AWS SDK
from forge.wiring import default_deps

# Longer than any redelivery (the schedule gives up after 6 hours), far shorter than the quarter between rotations.
REDELIVERY_WINDOW = timedelta(days=1)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    scheduled = event.get("reason") == "scheduled"
    rotation = rotate_keys(default_deps(), unless_rotated_within=REDELIVERY_WINDOW if scheduled else None)
    return {
        "rotated": rotation.rotated,
        "key_id": rotation.active.key_id,
        "backend": rotation.active.backend,
        "previous_key_id": rotation.previous.key_id if rotation.previous else None,
        "previous_status": rotation.previous.status if rotation.previous else None,
    }
