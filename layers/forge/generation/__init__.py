"""Generation providers behind one interface. The offline template provider is the default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from forge.cms.base import SourceTree
from forge.models.spec import PluginSpec


@dataclass(frozen=True)
class Generation:
    tree: SourceTree
    provider: str
    model_version: str
    # What was asked and answered, for the audit chain (the template provider's "prompt" is the spec).
    prompt: str
    response: str


class Provider(Protocol):
    name: str

    def generate(self, spec: PluginSpec) -> Generation: ...


def get_provider(name: str) -> Provider:
    from forge.errors import ForgeError

    if name == "template":
        from forge.generation.template_provider import TemplateProvider

        return TemplateProvider()
    raise ForgeError(f"unknown generation provider '{name}' (available: template)")
