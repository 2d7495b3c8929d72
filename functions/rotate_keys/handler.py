"""Lambda entry point of key rotation: the EventBridge schedule's rotation, and an operator's `aws lambda invoke`.

The schedule's event says {"reason": "scheduled"}; its retries, and Lambda's own retries of the asynchronous call,
deliver it again, so a scheduled rotation keeps a key activated in the last day rather than make another. Any other
event rotates at once, except {"compromise": {"key_id", "reason"}}, which marks that key compromised (replacing it
first when it is the active one): in AWS the database is out of `forge keys compromise`'s reach (docs/runbook.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from forge.errors import ForgeError
from forge.observability import logger
from forge.pipeline.key_rotation import compromise_key, rotate_keys
from forge.tracing import tracer  # noqa: F401 - built here when tracing is on (in AWS): X-Ray patches the AWS SDK
from forge.wiring import default_deps

# Longer than any redelivery (the schedule gives up after 6 hours), far shorter than the quarter between rotations.
REDELIVERY_WINDOW = timedelta(days=1)


class CompromiseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key_id: str
    reason: str


def _rotate(scheduled: bool) -> dict[str, Any]:
    rotation = rotate_keys(default_deps(), unless_rotated_within=REDELIVERY_WINDOW if scheduled else None)
    return {
        "rotated": rotation.rotated,
        "key_id": rotation.active.key_id,
        "backend": rotation.active.backend,
        "previous_key_id": rotation.previous.key_id if rotation.previous else None,
        "previous_status": rotation.previous.status if rotation.previous else None,
    }


def _compromise(request: CompromiseRequest) -> dict[str, Any]:
    done = compromise_key(default_deps(), request.key_id, request.reason)
    return {
        "compromised_key_id": done.key.key_id,
        "status": done.key.status,
        "replacement_key_id": done.replacement.key_id if done.replacement else None,
        "revocation_list_version": done.revocation_list_version,
    }


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "compromise" not in event:
        return _rotate(scheduled=event.get("reason") == "scheduled")
    try:
        return _compromise(CompromiseRequest.model_validate(event["compromise"]))
    except (ForgeError, ValueError) as exc:
        # An operator's mistake (unknown key, no reason) is answered, not raised: the invoke's output says why.
        logger.warning("key compromise refused", extra={"error": str(exc)})
        return {"error": type(exc).__name__, "message": str(exc)}
