"""Lambda entry point of the test step."""

from forge.handlers import step_handler
from forge.models.job import Step
from forge.pipeline.steps.test import run_tests

handler = step_handler(Step.TEST, run_tests)
