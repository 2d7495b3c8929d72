"""Lambda entry point of the package step."""

from forge.handlers import step_handler
from forge.models.job import Step
from forge.pipeline.steps.package import package

handler = step_handler(Step.PACKAGE, package)
