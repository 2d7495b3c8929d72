"""Sign: a small canonical manifest naming the zip by its sha256, signed ECDSA P-256 by the active key."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from forge.errors import StepFailed
from forge.models.package import Manifest
from forge.pipeline import artifacts_layout
from forge.pipeline.bookkeeping import StepContext, StepOutcome
from forge.signing.signer import key_id
from forge.signing.verify import sha256_hex, verify_signature


def sign(ctx: StepContext) -> StepOutcome:
    package = ctx.deps.repos.packages.get(ctx.package_id)
    zip_key = artifacts_layout.package_zip(ctx.job.id, ctx.spec.slug, ctx.spec.version)
    data = ctx.deps.artifacts.get(zip_key)
    if sha256_hex(data) != package.zip_sha256:
        raise StepFailed("the stored zip no longer matches the sha256 recorded at packaging")
    key, signer = ctx.deps.signer()
    der = signer.public_key_der()
    if key_id(der) != key.key_id:
        raise StepFailed(f"the HSM key {signer.key_ref} does not match keyset entry {key.key_id}")
    manifest = Manifest(
        zip_name=f"{ctx.spec.slug}-{ctx.spec.version}.zip",
        zip_sha256=package.zip_sha256,
        zip_size=len(data),
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
    store = ctx.deps.artifacts
    for name, content in (
        ("manifest.json", body),
        ("manifest.json.sig", signature),
        ("signing-key.pem", key.public_pem.encode()),
    ):
        store.put(artifacts_layout.release_file(ctx.job.id, name), content)
    ctx.deps.repos.packages.set_signed(
        ctx.package_id,
        manifest.model_dump(mode="json", by_alias=True),
        base64.b64encode(signature).decode(),
        key.key_id,
    )
    ctx.log(f"manifest signed with key {key.key_id[:16]}… ({key.backend}:{key.backend_ref})")
    return StepOutcome(summary=f"signed by key {key.key_id[:16]}", artifacts={"key_id": key.key_id})
