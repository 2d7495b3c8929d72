"""Lambda entry point of the publish step."""

from forge.handlers import step_handler
from forge.models.job import Step
from forge.pipeline.steps.publish import publish

handler = step_handler(Step.PUBLISH, publish)
