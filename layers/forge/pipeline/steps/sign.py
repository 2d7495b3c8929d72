"""Sign: a small canonical manifest naming the zip (and its SBOM) by sha256, signed ECDSA P-256 by the active
key, plus a DSSE envelope carrying the SLSA provenance of the build."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import forge
from forge.errors import StepFailed
from forge.models.package import Manifest
from forge.pipeline import artifacts_layout
from forge.pipeline.bookkeeping import StepContext, StepOutcome
from forge.pipeline.revoked_zip import refuse_revoked_zip
from forge.publishing import release
from forge.signing.dsse import sign_envelope
from forge.signing.provenance import provenance_statement, statement_bytes
from forge.signing.signer import key_id
from forge.signing.verify import sha256_hex, verify_signature


def sign(ctx: StepContext) -> StepOutcome:
    package = ctx.deps.repos.packages.get(ctx.package_id)
    store = ctx.deps.artifacts
    data = store.get(artifacts_layout.package_zip(ctx.job.id, ctx.spec.slug, ctx.spec.version))
    if sha256_hex(data) != package.zip_sha256:
        raise StepFailed("the stored zip no longer matches the sha256 recorded at packaging")
    # Before approvers spend time on it: a reproducible rebuild of a revoked release is still revoked.
    refuse_revoked_zip(ctx.deps.repos.revocations, package.zip_sha256)
    sbom = store.get(artifacts_layout.bundle_file(ctx.job.id, release.sbom_name(ctx.spec.slug, ctx.spec.version)))
    key, signer = ctx.deps.signer()
    der = signer.public_key_der()
    if key_id(der) != key.key_id:
        raise StepFailed(f"the HSM key {signer.key_ref} does not match keyset entry {key.key_id}")
    manifest = Manifest(
        zip_name=release.zip_name(ctx.spec.slug, ctx.spec.version),
        zip_sha256=package.zip_sha256,
        zip_size=len(data),
        sbom_sha256=sha256_hex(sbom),
        name=ctx.spec.name,
        slug=ctx.spec.slug,
        version=ctx.spec.version,
        platform=ctx.spec.platform,
        key_id=key.key_id,
        issued_at=datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        job_id=str(ctx.job.id),
        spec_digest=ctx.spec.digest(),
    )
    body = manifest.canonical_bytes()
    signature = signer.sign(body)
    # Never hand out a signature we cannot verify ourselves with the public key we publish.
    if not verify_signature(body, signature, key.public_pem.encode()):
        raise StepFailed("the new signature does not verify with the active public key")
    statement = provenance_statement(
        manifest, sha256_hex(body), ctx.deps.repos.runs.for_job(ctx.job.id), forge.__version__
    )
    envelope = sign_envelope(statement_bytes(statement), signer, key.key_id)
    for name, content in (
        (release.MANIFEST, body),
        (release.MANIFEST_SIG, signature),
        (release.SIGNING_KEY, key.public_pem.encode()),
        (release.PROVENANCE, envelope.to_json_bytes()),
    ):
        store.put(artifacts_layout.release_file(ctx.job.id, name), content)
    ctx.deps.repos.packages.set_signed(
        ctx.package_id,
        manifest.model_dump(mode="json", by_alias=True),
        base64.b64encode(signature).decode(),
        key.key_id,
    )
    ctx.log(f"manifest and provenance signed with key {key.key_id[:16]}… ({key.backend}:{key.backend_ref})")
    return StepOutcome(summary=f"signed by key {key.key_id[:16]}", artifacts={"key_id": key.key_id})
