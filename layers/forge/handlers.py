"""Lambda handler factories: parse the event, call one library function, return a small model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from forge.models.job import Step, StepEvent
from forge.observability import logger
from forge.pipeline.bookkeeping import StepBody, run_step
from forge.wiring import default_deps

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def step_handler(step: Step, body: StepBody) -> Handler:
    @logger.inject_lambda_context(clear_state=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return run_step(default_deps(), step, StepEvent.model_validate(event), body).model_dump(mode="json")

    return handler
