"""Lambda entry point of the ops API (API Gateway REST proxy integration)."""

from forge.api.app import handler

__all__ = ["handler"]
