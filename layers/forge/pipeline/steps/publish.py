"""Publish: only an approved, signed package goes to the internal marketplace, with a signed release statement
naming its approvers, and the marketplace's keys.json / revocations.json brought up to date."""

from __future__ import annotations

from datetime import UTC, datetime

from forge.errors import StepFailed
from forge.pipeline import artifacts_layout
from forge.pipeline.bookkeeping import StepContext, StepOutcome
from forge.pipeline.revocation import publish_trust_files
from forge.pipeline.revoked_zip import refuse_revoked_zip
from forge.pipeline.steps.package import bundle_file_key
from forge.publishing import release
from forge.publishing.marketplace import marketplace
from forge.publishing.release_statement import ReleaseStatement, approvers_of
from forge.signing.signer import key_id
from forge.signing.verify import sha256_hex, verify_signature


def _statement(ctx: StepContext, manifest_body: bytes, zip_sha256: str, manifest_key: str) -> tuple[bytes, bytes]:
    approvers = approvers_of(ctx.deps.repos.approvals.approvals_for_package(ctx.package_id))
    key, signer = ctx.deps.signer()
    if key_id(signer.public_key_der()) != key.key_id:
        raise StepFailed(f"the HSM key {signer.key_ref} does not match keyset entry {key.key_id}")
    statement = ReleaseStatement(
        package_id=str(ctx.package_id),
        slug=ctx.spec.slug,
        version=ctx.spec.version,
        manifest_sha256=sha256_hex(manifest_body),
        zip_sha256=zip_sha256,
        manifest_key_id=manifest_key,
        required_approvals=ctx.deps.settings.min_approvals,
        approvers=approvers,
        key_id=key.key_id,
        issued_at=datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    )
    body = statement.canonical_bytes()
    signature = signer.sign(body)
    if not verify_signature(body, signature, key.public_pem.encode()):
        raise StepFailed("the release statement signature does not verify with the active public key")
    return body, signature


def publish(ctx: StepContext) -> StepOutcome:
    repos, store = ctx.deps.repos, ctx.deps.artifacts
    package = repos.packages.get(ctx.package_id)
    # Checked again here, not only in the API: the workflow must never publish past the gate.
    if not repos.approvals.has_minimum(package.id, ctx.deps.settings.min_approvals):
        raise StepFailed(f"package {package.id} lacks {ctx.deps.settings.min_approvals} approvals")
    if package.status == "revoked" or not package.zip_sha256 or not package.signature or not package.signing_key_id:
        raise StepFailed(f"package {package.id} is {package.status}; only signed packages are published")
    # Checked again after Sign: the same bytes may have been revoked while this package awaited approval.
    refuse_revoked_zip(repos.revocations, package.zip_sha256)
    slug, version = ctx.spec.slug, ctx.spec.version
    name = release.zip_name(slug, version)
    files = {name: store.get(artifacts_layout.package_zip(ctx.job.id, slug, version))}
    for extra in (release.sbom_name(slug, version), "SHA256SUMS"):
        files[extra] = store.get(bundle_file_key(ctx.job.id, extra))
    for signed in release.SIGNED_FILES:
        files[signed] = store.get(artifacts_layout.release_file(ctx.job.id, signed))
    statement, signature = _statement(ctx, files[release.MANIFEST], package.zip_sha256, package.signing_key_id)
    files[release.STATEMENT], files[release.STATEMENT_SIG] = statement, signature
    released = marketplace(ctx.deps.settings).publish(slug, version, files, name)
    publish_trust_files(ctx.deps)
    connector = repos.publications.connector("molam")
    repos.publications.record(package.id, connector["id"], f"{slug}@{version}", released.uri)
    repos.packages.set_status(package.id, "published")
    ctx.log(f"published to {connector['name']}: {released.folder or released.uri}")
    artifacts = {"location": released.uri}
    if released.folder is not None:
        artifacts["folder"] = str(released.folder)
    return StepOutcome(summary=f"published {name}", artifacts=artifacts)
