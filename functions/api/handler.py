"""Lambda entry point of the ops API (API Gateway REST proxy integration)."""

from forge.api.app import handler
from forge.tracing import tracer  # noqa: F401 - built here, in Lambda only: X-Ray patches the AWS SDK

__all__ = ["handler"]
