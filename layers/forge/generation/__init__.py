"""Generation providers behind one interface. The offline template provider is the default.

A provider turns a spec (and, on a repair attempt, the failure of its previous tree) into a source tree.
LLM providers report every model call to an audit sink before their answer is trusted, so even a
rejected answer is in the audit chain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, get_args

from forge.cms.base import SourceTree
from forge.config import GenerationProvider
from forge.models.spec import PluginSpec

if TYPE_CHECKING:
    from forge.config import Settings
    from forge.generation.model import ChatModel
    from forge.isolation.runner import Runner

PROVIDERS: tuple[str, ...] = get_args(GenerationProvider)


@dataclass(frozen=True)
class Generation:
    tree: SourceTree
    provider: str
    model_version: str
    # What was asked and answered, for the audit chain (the template provider's "prompt" is the spec).
    prompt: str
    response: str


@dataclass(frozen=True)
class Feedback:
    """Why the previous tree failed: what a repair attempt sends back to the model."""

    attempt: int
    step: str
    error: str
    logs: str
    previous: Mapping[str, bytes] = field(default_factory=dict)


# (model_version, prompt, response, metadata): appends one row to sira_generation_audit.
AuditSink = Callable[[str, str, str, dict[str, Any]], None]
# Builds an isolated command runner for a working directory (bubblewrap locally).
RunnerFactory = Callable[..., "Runner"]


def no_audit(model_version: str, prompt: str, response: str, metadata: dict[str, Any]) -> None:
    """For offline use without a database (`forge generate`)."""


class Provider(Protocol):
    name: str
    # Whether a failed build or test may be sent back for another attempt (the template provider: never).
    repairs: bool

    def generate(self, spec: PluginSpec, feedback: Feedback | None = None) -> Generation: ...


def get_provider(
    name: str,
    settings: Settings | None = None,
    audit: AuditSink = no_audit,
    runner: RunnerFactory | None = None,
) -> Provider:
    from forge.errors import ForgeError

    if name == "template":
        from forge.generation.template_provider import TemplateProvider

        return TemplateProvider(audit)
    if name in ("openai", "bedrock"):
        if settings is None or runner is None:
            raise ForgeError(f"the {name} provider needs settings and an isolated runner")
        from forge.generation.llm_provider import LlmProvider

        if name == "openai":
            from forge.generation.openai_compatible import OpenAICompatibleModel

            model: ChatModel = OpenAICompatibleModel.from_settings(settings)
        else:
            from forge.generation.bedrock import BedrockModel

            model = BedrockModel.from_settings(settings)
        return LlmProvider(name, model, audit, runner, lint=settings.generation_lint == "generate")
    raise ForgeError(f"unknown generation provider '{name}' (available: {', '.join(PROVIDERS)})")
