"""Package: the distributable zip (`<slug>/...`, byte-reproducible) and its sha256."""

from __future__ import annotations

import fnmatch

from forge.cms import get_platform
from forge.packaging.archive import unzip_tree, zip_tree
from forge.pipeline import artifacts_layout
from forge.pipeline.bookkeeping import StepContext, StepOutcome
from forge.signing.verify import sha256_hex


def distributable(tree: dict[str, bytes], exclude: tuple[str, ...]) -> dict[str, bytes]:
    return {p: c for p, c in tree.items() if not any(fnmatch.fnmatch(p, pat) for pat in exclude)}


def package(ctx: StepContext) -> StepOutcome:
    platform = get_platform(ctx.spec.platform)
    tree = unzip_tree(ctx.deps.artifacts.get(artifacts_layout.source_zip(ctx.job.id)))
    shipped = distributable(tree, platform.dist_exclude)
    data = zip_tree(shipped, prefix=ctx.spec.slug)
    digest = sha256_hex(data)
    key = artifacts_layout.package_zip(ctx.job.id, ctx.spec.slug, ctx.spec.version)
    uri = ctx.deps.artifacts.put(key, data)
    ctx.deps.repos.packages.set_built(ctx.package_id, digest, uri)
    ctx.log(f"{len(shipped)} of {len(tree)} files shipped ({len(tree) - len(shipped)} dev files left out)")
    return StepOutcome(
        summary=f"{ctx.spec.slug}-{ctx.spec.version}.zip {len(data)} bytes sha256 {digest}",
        artifacts={"zip": uri, "sha256": digest, "size": len(data)},
    )
