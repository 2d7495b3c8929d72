"""Lambda entry point of the generate step."""

from forge.handlers import step_handler
from forge.models.job import Step
from forge.pipeline.steps.generate import generate

handler = step_handler(Step.GENERATE, generate)
