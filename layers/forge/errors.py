"""Errors the domain raises. Their class names are the `Error` names the state machine sees."""

from __future__ import annotations


class ForgeError(Exception):
    """Base for errors that carry a message meant for a human."""


class SpecError(ForgeError):
    """A plugin spec that cannot be used; `problems` names each bad field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: invalid plugin spec\n" + "\n".join(f"  - {p}" for p in problems))


class NotFound(ForgeError):
    pass


class Conflict(ForgeError):
    """The request is valid but the resource is in a state that forbids it."""


class Forbidden(ForgeError):
    pass


class StepFailed(ForgeError):
    """A step ran and its outcome is a failure (bad plugin, failing tests): never retried."""


class TransientError(ForgeError):
    """A failure worth retrying with backoff (a busy database, a throttled API)."""


class IsolationUnavailable(ForgeError):
    """bubblewrap is missing or cannot create namespaces here."""
