"""Lambda entry point of the workflow's last word: the job succeeded, or its failure is recorded."""

from typing import Any, Literal
from uuid import UUID

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from forge.observability import logger
from forge.pipeline.outcome import record_failure, record_success
from forge.tracing import tracer  # noqa: F401 - built here when tracing is on (in AWS): X-Ray patches the AWS SDK
from forge.wiring import default_deps


class FinishEvent(BaseModel):
    job_id: UUID
    outcome: Literal["success", "failed"]
    failure: dict[str, Any] | None = None


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    parsed = FinishEvent.model_validate(event)
    if parsed.outcome == "success":
        record_success(default_deps(), parsed.job_id)
        return {"job_id": str(parsed.job_id), "status": "success"}
    message = record_failure(default_deps(), parsed.job_id, parsed.failure)
    return {"job_id": str(parsed.job_id), "status": "failed", "error": message}
