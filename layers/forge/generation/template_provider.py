"""Deterministic, offline generation from the platform folder's templates."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import forge
from forge.cms import get_platform
from forge.generation import AuditSink, Feedback, Generation, no_audit
from forge.models.spec import PluginSpec


def tree_listing(tree: Mapping[str, bytes]) -> str:
    """One line per file, `sha256  path`, sorted: a readable, hashable summary of a tree."""
    return "".join(f"{hashlib.sha256(tree[p]).hexdigest()}  {p}\n" for p in sorted(tree))


def tree_digest(tree: Mapping[str, bytes]) -> str:
    """sha256 of the listing: equal digests mean byte-identical trees."""
    return hashlib.sha256(tree_listing(tree).encode()).hexdigest()


class TemplateProvider:
    name = "template"
    repairs = False

    def __init__(self, audit: AuditSink = no_audit) -> None:
        self.audit = audit

    def generate(self, spec: PluginSpec, feedback: Feedback | None = None) -> Generation:
        # Feedback is ignored: the same spec renders the same tree, so another attempt cannot differ.
        platform = get_platform(spec.platform)
        tree = dict(platform.render(spec))
        result = Generation(
            tree=tree,
            provider=self.name,
            model_version=f"{platform.name}-templates@{forge.__version__}",
            prompt=json.dumps(spec.model_dump(mode="json"), sort_keys=True),
            response=tree_listing(tree),
        )
        self.audit(
            result.model_version,
            result.prompt,
            result.response,
            {"provider": self.name, "files": len(tree), "spec_digest": spec.digest()},
        )
        return result
