"""Lambda entry point of the package step."""

from forge.handlers import step_handler
from forge.models.job import Step
from forge.pipeline.steps.package import package
from forge.tracing import tracer  # noqa: F401 - built here when tracing is on (in AWS): X-Ray patches the AWS SDK

handler = step_handler(Step.PACKAGE, package)
