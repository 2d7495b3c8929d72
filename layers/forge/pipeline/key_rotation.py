"""Key rotation: a new key becomes active, the previous one stays in the keyset as verify-only. And compromise:
an admin marks a key never to be trusted again.

What the EventBridge schedule calls (functions/rotate_keys) and what `forge keys rotate` does locally. KMS
cannot rotate asymmetric keys: there it is a new key and UpdateAlias; PKCS#11 generates a new key on the
token; Vault Transit rotates the key to a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from forge.errors import ForgeError
from forge.models.package import SigningKey
from forge.observability import emit_metric, logger
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.revocation import publish_trust_files


@dataclass(frozen=True)
class Rotation:
    active: SigningKey
    previous: SigningKey | None
    # False when a key activated within `unless_rotated_within` was kept (a retried scheduled rotation).
    rotated: bool = True


MAX_REASON = 500


@dataclass(frozen=True)
class Compromise:
    key: SigningKey
    reason: str
    # The key that replaced it when the compromised key was the active one.
    replacement: SigningKey | None
    revocation_list_version: int


def rotate_keys(
    deps: PipelineDeps, unless_rotated_within: timedelta | None = None, now: datetime | None = None
) -> Rotation:
    """A new active key; the previous one stays verify-only. With `unless_rotated_within`, a key activated that recently
    is kept instead: the scheduled rotation is delivered again by the scheduler's and Lambda's retries, and each
    delivery would otherwise create (and pay for) one more key. The trust files are published either way, so a retry
    completes what an interrupted rotation left undone."""
    keys = deps.repos.keys
    previous = keys.active()
    now = now or datetime.now(UTC)
    if (
        previous is not None
        and unless_rotated_within is not None
        and now - previous.activated_at < unless_rotated_within
    ):
        publish_trust_files(deps)
        logger.info("signing key rotated recently: kept", extra={"key_id": previous.key_id})
        return Rotation(active=previous, previous=None, rotated=False)
    active = deps.new_key()
    if previous is not None:
        previous = keys.get(previous.key_id)
    # Merchants must find the new key in keys.json before anything it signs reaches them.
    publish_trust_files(deps)
    emit_metric("forge_signing_key_rotations_total", 1, backend=active.backend)
    logger.info(
        "signing key rotated",
        extra={"key_id": active.key_id, "previous_key_id": previous.key_id if previous else None},
    )
    return Rotation(active=active, previous=previous)


def compromise_key(deps: PipelineDeps, key_id: str, reason: str) -> Compromise:
    """Mark `key_id` compromised and republish keys.json, so merchant checks refuse everything it signed. If it was
    the active key, a new key takes over first: the forge keeps signing, and the revocation list is signed again
    by a key merchants still trust (the current list may carry the compromised key's signature)."""
    reason = (reason or "").strip()
    if not reason:
        raise ForgeError("marking a key compromised needs a reason")
    if len(reason) > MAX_REASON:
        raise ForgeError(f"the reason is longer than {MAX_REASON} characters")
    keys = deps.repos.keys
    target = keys.get(key_id)
    replacement = deps.new_key() if target.status == "active" else None
    deps.repos.key_compromises.mark(key_id, reason)
    version = publish_trust_files(deps, new_list=True)
    emit_metric("forge_signing_key_compromises_total", 1, backend=target.backend)
    logger.warning(
        "signing key marked compromised",
        extra={"key_id": key_id, "reason": reason, "replacement_key_id": replacement.key_id if replacement else None},
    )
    return Compromise(key=keys.get(key_id), reason=reason, replacement=replacement, revocation_list_version=version)
