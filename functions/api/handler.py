"""Lambda entry point of the ops API (API Gateway REST proxy integration)."""

from forge.api.app import handler
from forge.tracing import tracer  # noqa: F401 - built here when tracing is on (in AWS): X-Ray patches the AWS SDK

__all__ = ["handler"]
