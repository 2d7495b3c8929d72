"""Generate: spec -> plugin source tree, audited, stored for the next steps."""

from __future__ import annotations

import hashlib

from forge.generation import get_provider
from forge.generation.template_provider import tree_listing
from forge.packaging.archive import zip_tree
from forge.pipeline import artifacts_layout
from forge.pipeline.bookkeeping import StepContext, StepOutcome


def generate(ctx: StepContext) -> StepOutcome:
    provider = get_provider(ctx.deps.settings.generation_provider)
    result = provider.generate(ctx.spec)
    ctx.log(f"{result.provider} provider ({result.model_version}) produced {len(result.tree)} files")
    ctx.deps.repos.audit.append(
        ctx.job.id,
        result.provider,
        result.model_version,
        result.prompt,
        result.response,
        {"files": len(result.tree), "spec_digest": ctx.spec.digest()},
    )
    listing = tree_listing(dict(result.tree))
    ctx.log(listing)
    uri = ctx.deps.artifacts.put(artifacts_layout.source_zip(ctx.job.id), zip_tree(result.tree))
    return StepOutcome(
        summary=f"generated {len(result.tree)} files",
        artifacts={
            "source": uri,
            "files": len(result.tree),
            "tree_sha256": hashlib.sha256(listing.encode()).hexdigest(),
        },
    )
