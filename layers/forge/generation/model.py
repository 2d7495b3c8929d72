"""The port an LLM adapter implements: one prompt in, one structured answer out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from forge.generation.prompts import Prompt


@dataclass(frozen=True)
class ModelAnswer:
    # The structured answer: JSON text (chat completion) or an already decoded object (tool input).
    content: str | Mapping[str, Any]
    # The response as received, recorded (hashed) in the audit chain.
    raw: str
    model_version: str
    metadata: dict[str, Any] = field(default_factory=dict)


class ModelCallFailed(Exception):
    """The endpoint could not be reached or refused the call; `transient` when a later call may succeed."""

    def __init__(self, message: str, transient: bool, model_version: str) -> None:
        super().__init__(message)
        self.transient = transient
        self.model_version = model_version


class ChatModel(Protocol):
    def complete(self, prompt: Prompt) -> ModelAnswer: ...
