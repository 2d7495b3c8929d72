"""Package: the distributable zip (`<slug>/...`, byte-reproducible), its CycloneDX SBOM and SHA256SUMS."""

from __future__ import annotations

from forge.cms import get_platform
from forge.packaging.archive import unzip_tree
from forge.packaging.distribution import package_plugin
from forge.pipeline import artifacts_layout
from forge.pipeline.bookkeeping import StepContext, StepOutcome


def package(ctx: StepContext) -> StepOutcome:
    platform = get_platform(ctx.spec.platform)
    tree = unzip_tree(ctx.deps.artifacts.get(artifacts_layout.source_zip(ctx.job.id)))
    bundle, shipped = package_plugin(
        tree,
        exclude=platform.dist_exclude,
        slug=ctx.spec.slug,
        version=ctx.spec.version,
        name=ctx.spec.name,
        lockfile=platform.lockfile,
    )
    store = ctx.deps.artifacts
    key = artifacts_layout.package_zip(ctx.job.id, ctx.spec.slug, ctx.spec.version)
    uri = store.put(key, bundle.zip_data)
    store.put(artifacts_layout.bundle_file(ctx.job.id, bundle.sbom_name), bundle.sbom)
    store.put(artifacts_layout.bundle_file(ctx.job.id, "SHA256SUMS"), bundle.checksums)
    ctx.deps.repos.packages.set_built(ctx.package_id, bundle.zip_sha256, uri)
    ctx.log(f"{len(shipped)} of {len(tree)} files shipped ({len(tree) - len(shipped)} dev files left out)")
    return StepOutcome(
        summary=f"{bundle.zip_name} {len(bundle.zip_data)} bytes sha256 {bundle.zip_sha256}",
        artifacts={"zip": uri, "sha256": bundle.zip_sha256, "size": len(bundle.zip_data), "sbom": bundle.sbom_name},
    )
