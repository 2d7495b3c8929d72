"""Publish: only an approved, signed package goes to the internal marketplace, recorded as a publication."""

from __future__ import annotations

from forge.errors import StepFailed
from forge.pipeline import artifacts_layout
from forge.pipeline.bookkeeping import StepContext, StepOutcome
from forge.publishing.folder_marketplace import FolderMarketplace
from forge.publishing.release import release_files, zip_name


def publish(ctx: StepContext) -> StepOutcome:
    repos, store = ctx.deps.repos, ctx.deps.artifacts
    package = repos.packages.get(ctx.package_id)
    # Checked again here, not only in the API: the workflow must never publish past the gate.
    if not repos.approvals.has_minimum(package.id, ctx.deps.settings.min_approvals):
        raise StepFailed(f"package {package.id} lacks {ctx.deps.settings.min_approvals} approvals")
    if package.status == "revoked" or not package.zip_sha256 or not package.signature:
        raise StepFailed(f"package {package.id} is {package.status}; only signed packages are published")
    name = zip_name(ctx.spec.slug, ctx.spec.version)
    data = store.get(artifacts_layout.package_zip(ctx.job.id, ctx.spec.slug, ctx.spec.version))
    signed = {n: store.get(artifacts_layout.release_file(ctx.job.id, n)) for n in artifacts_layout.RELEASE_FILES}
    files = release_files(ctx.spec.slug, ctx.spec.version, data, package.zip_sha256, signed)
    folder = FolderMarketplace(ctx.deps.settings.marketplace_dir).publish(ctx.spec.slug, ctx.spec.version, files, name)
    connector = repos.publications.connector("molam")
    repos.publications.record(package.id, connector["id"], f"{ctx.spec.slug}@{ctx.spec.version}", folder.as_uri())
    repos.packages.set_status(package.id, "published")
    ctx.log(f"published to {connector['name']}: {folder}")
    return StepOutcome(summary=f"published {name}", artifacts={"folder": str(folder)})
