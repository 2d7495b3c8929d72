"""Lambda entry point of the sign step."""

from forge.handlers import step_handler
from forge.models.job import Step
from forge.pipeline.steps.sign import sign

handler = step_handler(Step.SIGN, sign)
