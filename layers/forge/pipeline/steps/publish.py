"""Publish: only a signed package whose approvals verify is released, with a signed release statement naming its
approvers, to every enabled marketplace connector for its platform (forge.pipeline.publications: each checks the
release as a merchant would before sending it, each recorded and retried on its own). The step succeeds when at
least one marketplace offers the release; the others' failures stay on their publications, to retry.

Publication is gated on cryptographic facts, not rows: every approval row is verified (forge.pipeline.
approval_verification) and any row that does not verify fails the job. A revocation racing this step wins: the
package is checked again after the release is written, and taken down if it was revoked meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlparse

from forge.errors import StepFailed
from forge.models.package import APPROVAL_FLOOR, Approval, Package, PackageStatus
from forge.models.publication import Publication, PublicationStatus
from forge.pipeline import artifacts_layout
from forge.pipeline.approval_statement import manifest_sha256
from forge.pipeline.approval_verification import audit_approvals, requesters_of
from forge.pipeline.bookkeeping import StepContext, StepOutcome
from forge.pipeline.publications import publish_everywhere
from forge.pipeline.retraction import retract_package
from forge.pipeline.revocation import publish_trust_files
from forge.pipeline.revoked_zip import refuse_revoked_zip
from forge.publishing import release
from forge.publishing.release_statement import ReleaseStatement, approvers_of
from forge.signing.signer import key_id
from forge.signing.verify import sha256_hex, verify_signature


def verified_approvals(ctx: StepContext, package: Package, manifest_body: bytes) -> list[Approval]:
    """The approvals that release this manifest; StepFailed (loud: metric, error log) for anything less."""
    if sha256_hex(manifest_body) != manifest_sha256(package):
        raise StepFailed("the stored manifest is not the one recorded for the package; publication refused")
    audit = audit_approvals(ctx.deps, package, requesters_of(ctx.deps, package))
    if audit.refused:
        raise StepFailed(f"publication refused, approval rows do not verify (tampering?): {audit.describe_refused()}")
    if audit.rejections:
        names = ", ".join(sorted({a.approver_id for a in audit.rejections}))
        raise StepFailed(f"package {package.id} was rejected by {names}; a rejection is final")
    required = max(ctx.deps.settings.min_approvals, APPROVAL_FLOOR)
    if len(audit.approvers) < required:
        raise StepFailed(f"package {package.id} has {len(audit.approvers)} verified approval(s), {required} required")
    return audit.approvals


def _statement(
    ctx: StepContext, manifest_body: bytes, approvals: list[Approval], zip_sha256: str, manifest_key: str
) -> tuple[bytes, bytes]:
    approvers = approvers_of(approvals)
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
        required_approvals=max(ctx.deps.settings.min_approvals, APPROVAL_FLOOR),
        requested_by=ctx.job.requested_by,
        approvers=approvers,
        key_id=key.key_id,
        issued_at=datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    )
    body = statement.canonical_bytes()
    signature = signer.sign(body)
    if not verify_signature(body, signature, key.public_pem.encode()):
        raise StepFailed("the release statement signature does not verify with the active public key")
    return body, signature


def _revoked_meanwhile(ctx: StepContext, package: Package) -> str | None:
    """Why the package may no longer be offered (revoked, or its exact bytes revoked as another package), or None."""
    current = ctx.deps.repos.packages.get(package.id)
    if current.status is PackageStatus.REVOKED:
        return f"package {package.id} was revoked while it was being published: {current.revocation_reason}"
    try:
        refuse_revoked_zip(ctx.deps.repos.revocations, package.zip_sha256 or "")
    except StepFailed as exc:
        return str(exc)
    return None


def _store_statement(ctx: StepContext, statement: bytes, signature: bytes) -> None:
    """Kept with the job's release files: every connector, and any retry later, sends exactly this statement."""
    store = ctx.deps.artifacts
    store.put(artifacts_layout.release_file(ctx.job.id, release.STATEMENT), statement)
    store.put(artifacts_layout.release_file(ctx.job.id, release.STATEMENT_SIG), signature)


def _summary(ctx: StepContext, publications: list[Publication]) -> dict[str, str]:
    """{connector name: status and what it said}, logged and kept with the run."""
    lines = {}
    for p in publications:
        name = ctx.deps.repos.publications.connector_by_id(p.marketplace_connector_id).name
        said = p.manual_action or p.connector_message or p.error or ""
        lines[name] = f"{p.publication_status.value}: {said}"[:500]
        if p.publication_status is PublicationStatus.PUBLISHED and p.url:
            # The line `forge job` has always shown: where the release is (a folder locally).
            where = urlparse(p.url).path if p.url.startswith("file://") else p.url
            ctx.log(f"published to {name}: {where}")
        else:
            ctx.log(f"{name}: {lines[name]}")
    return lines


def publish(ctx: StepContext) -> StepOutcome:
    repos, store = ctx.deps.repos, ctx.deps.artifacts
    package = repos.packages.get(ctx.package_id)
    if (
        package.status is PackageStatus.REVOKED
        or not package.zip_sha256
        or not package.signature
        or not package.signing_key_id
    ):
        raise StepFailed(f"package {package.id} is {package.status.value}; only signed packages are published")
    # Checked again after Sign: the same bytes may have been revoked while this package awaited approval.
    refuse_revoked_zip(repos.revocations, package.zip_sha256)
    manifest = store.get(artifacts_layout.release_file(ctx.job.id, release.MANIFEST))
    # Checked here, not only in the API: the workflow must never publish past the gate.
    approvals = verified_approvals(ctx, package, manifest)
    statement, signature = _statement(ctx, manifest, approvals, package.zip_sha256, package.signing_key_id)
    _store_statement(ctx, statement, signature)
    publish_trust_files(ctx.deps)
    publications = publish_everywhere(ctx.deps, package)
    # A revocation commits before it asks for retractions; each attempt records its outcome before the package is
    # looked at again here. Whatever the interleaving, one of the two sees the other and the release comes down.
    revoked = _revoked_meanwhile(ctx, package)
    if revoked is not None:
        repos.publications.request_retraction(package.id, revoked)
        retract_package(ctx.deps, package.id)
        ctx.log(f"taken down again: {revoked}")
        raise StepFailed(revoked)
    said = _summary(ctx, publications)
    live = [p for p in publications if p.publication_status is PublicationStatus.PUBLISHED]
    if not live:
        raise StepFailed("no marketplace published the release: " + "; ".join(f"{k}: {v}" for k, v in said.items()))
    repos.packages.set_status(package.id, PackageStatus.PUBLISHED)
    artifacts: dict[str, object] = {"publications": said}
    first = next((p for p in live if p.url and p.url.startswith("file://")), live[0])
    if first.url:
        artifacts["location"] = first.url
        if first.url.startswith("file://"):
            artifacts["folder"] = urlparse(first.url).path
    return StepOutcome(summary=f"published {release.zip_name(ctx.spec.slug, ctx.spec.version)}", artifacts=artifacts)
