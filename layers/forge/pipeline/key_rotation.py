"""Key rotation: a new key becomes active, the previous one stays in the keyset as verify-only.

What the EventBridge schedule calls (functions/rotate_keys) and what `forge keys rotate` does locally. KMS
cannot rotate asymmetric keys: there it is a new key and UpdateAlias; PKCS#11 generates a new key on the
token; Vault Transit rotates the key to a new version.
"""

from __future__ import annotations

from dataclasses import dataclass

from forge.models.package import SigningKey
from forge.observability import emit_metric, logger
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.revocation import publish_trust_files
from forge.signing.backends import create_key


@dataclass(frozen=True)
class Rotation:
    active: SigningKey
    previous: SigningKey | None


def rotate_keys(deps: PipelineDeps) -> Rotation:
    keys = deps.repos.keys
    previous = keys.active()
    active = create_key(keys, deps.settings, new=True)
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
