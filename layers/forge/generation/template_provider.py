"""Deterministic, offline generation from the platform folder's templates."""

from __future__ import annotations

import hashlib
import json

import forge
from forge.cms import get_platform
from forge.generation import Generation
from forge.models.spec import PluginSpec


def tree_listing(tree: dict[str, bytes]) -> str:
    """One line per file, `sha256  path`, sorted: a readable, hashable summary of a tree."""
    return "".join(f"{hashlib.sha256(tree[p]).hexdigest()}  {p}\n" for p in sorted(tree))


class TemplateProvider:
    name = "template"

    def generate(self, spec: PluginSpec) -> Generation:
        platform = get_platform(spec.platform)
        tree = dict(platform.render(spec))
        return Generation(
            tree=tree,
            provider=self.name,
            model_version=f"{platform.name}-templates@{forge.__version__}",
            prompt=json.dumps(spec.model_dump(mode="json"), sort_keys=True),
            response=tree_listing(tree),
        )
