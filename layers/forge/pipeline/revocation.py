"""Revocation, and the trust files merchants verify against: keys.json, keys/<id>.pem, revocations.json.

revoke_package marks the package revoked (its publications asked to come down, pending approvals cancelled, in one SQL
statement), publishes the next signed revocations.json, and has every connector that may hold the release retract
it (forge.pipeline.retraction: each retraction a recorded transition; a failed one alarms and is retried).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from forge.errors import Conflict, ForgeError
from forge.models.callback import CallbackMessage
from forge.models.package import Package, PackageStatus
from forge.observability import emit_metric, logger
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.retraction import retract_package
from forge.pipeline.trust_files import (
    KEYSET,
    REVOCATIONS,
    REVOCATIONS_SIG,
    keyset_files,
    sign_revocation_list,
    trust_files,
)
from forge.pipeline.workflow_callbacks import deliver

__all__ = ["KEYSET", "REVOCATIONS", "REVOCATIONS_SIG", "keyset_files", "publish_trust_files", "sign_revocation_list"]

MAX_REASON = 1000


@dataclass(frozen=True)
class Revocation:
    package: Package
    list_version: int
    retracted_releases: int


def publish_keyset(deps: PipelineDeps) -> None:
    deps.marketplace.write_root_files(keyset_files(deps.repos.keys.all()))


def publish_trust_files(deps: PipelineDeps, new_list: bool = False) -> int:
    """Write keys.json, keys/*.pem and the latest revocations.json(.sig) to the marketplace root; sign a new
    list when asked or when none exists yet (a merchant must always find one). Returns the list version."""
    version, files = trust_files(deps, new_list)
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
    version = publish_trust_files(deps, new_list=True)
    retracted = retract_package(deps, package_id)
    emit_metric("forge_packages_revoked_total", 1)
    logger.warning(
        "package revoked",
        extra={"package_id": str(package_id), "actor": actor, "reason": reason[:200], "revocations": version},
    )
    return Revocation(package=package, list_version=version, retracted_releases=retracted)
