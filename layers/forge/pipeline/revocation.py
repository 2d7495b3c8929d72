"""Revocation, and the trust files merchants verify against: keys.json, keys/<id>.pem, revocations.json.

revoke_package marks the package revoked (publications retracted, pending approvals cancelled, in one SQL
statement), takes the release out of the marketplace, and publishes the next signed revocations.json.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from forge.errors import Conflict, ForgeError, StepFailed
from forge.models.callback import CallbackMessage
from forge.models.package import Package, PackageStatus, SigningKey
from forge.observability import emit_metric, logger
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.workflow_callbacks import deliver
from forge.signing.keyset import keyset_bytes, keyset_of
from forge.signing.revocation_list import RevocationList, RevokedPackage
from forge.signing.signer import key_id as key_id_of
from forge.signing.verify import verify_signature

REVOCATIONS = "revocations.json"
REVOCATIONS_SIG = "revocations.json.sig"
KEYSET = "keys.json"
MAX_REASON = 1000
_VERSION_ATTEMPTS = 5


@dataclass(frozen=True)
class Revocation:
    package: Package
    list_version: int
    retracted_releases: int


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def keyset_files(keys: list[SigningKey]) -> dict[str, bytes]:
    files = {KEYSET: keyset_bytes(keyset_of(keys))}
    for key in keys:
        files[f"keys/{key.key_id}.pem"] = key.public_pem.encode()
    return files


def publish_keyset(deps: PipelineDeps) -> None:
    deps.marketplace.write_root_files(keyset_files(deps.repos.keys.all()))


def sign_revocation_list(deps: PipelineDeps) -> tuple[RevocationList, bytes]:
    """Sign and store the next version naming every revoked package; a concurrent writer that took the
    version first makes this one rebuild on top of it, so versions never repeat or go backwards."""
    repos = deps.repos
    for _ in range(_VERSION_ATTEMPTS):
        key, signer = deps.signer()
        if key_id_of(signer.public_key_der()) != key.key_id:
            raise StepFailed(f"the HSM key {signer.key_ref} does not match keyset entry {key.key_id}")
        revoked = [
            RevokedPackage(
                package_id=str(r["id"]),
                slug=str(r["slug"]),
                version=str(r["version"]),
                zip_sha256=r["zip_sha256"],
                signing_key_id=r["signing_key_id"],
                revoked_at=r["revoked_at"],
                reason=str(r["revocation_reason"]),
            )
            for r in repos.revocations.revoked_packages()
        ]
        document = RevocationList(
            version=repos.revocations.next_version(), issued_at=_now(), key_id=key.key_id, revoked=revoked
        )
        body = document.canonical_bytes()
        signature = signer.sign(body)
        if not verify_signature(body, signature, key.public_pem.encode()):
            raise StepFailed("the revocation list signature does not verify with the active public key")
        if repos.revocations.append(
            document.version, body.decode(), base64.b64encode(signature).decode(), key.key_id, len(revoked)
        ):
            return document, signature
    raise ForgeError("could not publish the revocation list: other writers kept taking the next version")


def publish_trust_files(deps: PipelineDeps, new_list: bool = False) -> int:
    """Write keys.json, keys/*.pem and the latest revocations.json(.sig) to the marketplace root; sign a new
    list when asked or when none exists yet (a merchant must always find one). Returns the list version."""
    latest = None if new_list else deps.repos.revocations.latest()
    if latest is None:
        document, signature = sign_revocation_list(deps)
        version, body = document.version, document.canonical_bytes()
    else:
        version, body, signature = latest.version, latest.body.encode(), base64.b64decode(latest.signature)
    files = keyset_files(deps.repos.keys.all())
    files[REVOCATIONS] = body
    files[REVOCATIONS_SIG] = signature
    deps.marketplace.write_root_files(files)
    return version


def _fail_waiting_workflows(deps: PipelineDeps, waiting: list[dict[str, Any]], reason: str) -> None:
    """A job waiting for approvals of a now revoked package fails at once instead of waiting for its timeout. Through
    the outbox: delivered now, or by the sweeper if Step Functions cannot be reached; the revocation stands anyway."""
    message = CallbackMessage.failure("PackageRevoked", f"package revoked: {reason}")
    for request in waiting:
        callback = deps.repos.callbacks.enqueue(request["id"], request["job_id"], request["task_token"], message)
        if callback is not None:
            deliver(deps, callback)


def revoke_package(deps: PipelineDeps, package_id: UUID, reason: str, actor: str) -> Revocation:
    reason = (reason or "").strip()
    if not reason:
        raise ForgeError("a revocation needs a reason")
    if len(reason) > MAX_REASON:
        raise ForgeError(f"the reason is longer than {MAX_REASON} characters")
    repos = deps.repos
    current = repos.packages.get(package_id)
    if current.status is PackageStatus.REVOKED:
        raise Conflict(f"package {package_id} was already revoked at {current.revoked_at}: {current.revocation_reason}")
    waiting = repos.packages.pending_approval_requests(package_id)
    package = repos.packages.revoke(package_id, reason)
    _fail_waiting_workflows(deps, waiting, reason)
    retracted = 0
    if "molam" in repos.publications.connector_types(package_id).values():
        retracted += deps.marketplace.retract(package.slug, package.version)
    version = publish_trust_files(deps, new_list=True)
    emit_metric("forge_packages_revoked_total", 1)
    logger.warning(
        "package revoked",
        extra={"package_id": str(package_id), "actor": actor, "reason": reason[:200], "revocations": version},
    )
    return Revocation(package=package, list_version=version, retracted_releases=retracted)
