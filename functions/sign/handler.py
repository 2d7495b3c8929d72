"""Lambda entry point of the sign step."""

from forge.handlers import step_handler
from forge.models.job import Step
from forge.pipeline.steps.sign import sign
from forge.tracing import tracer  # noqa: F401 - built here when tracing is on (in AWS): X-Ray patches the AWS SDK

handler = step_handler(Step.SIGN, sign)
