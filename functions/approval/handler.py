"""Lambda entry point of the approval wait: records the request and its task token, then returns.

The workflow stays paused until the API's approve endpoint sends the token back.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from forge.models.job import Step, StepEvent
from forge.observability import logger
from forge.pipeline.bookkeeping import run_step
from forge.pipeline.steps.approval import request_approval
from forge.tracing import tracer  # noqa: F401 - built here when tracing is on (in AWS): X-Ray patches the AWS SDK
from forge.wiring import default_deps


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    token = str(event["task_token"])
    result = run_step(
        default_deps(),
        Step.APPROVAL,
        StepEvent.model_validate(event),
        lambda ctx: request_approval(ctx, token),
    )
    return result.model_dump(mode="json")
