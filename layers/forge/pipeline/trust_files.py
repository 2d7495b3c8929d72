"""The trust files merchants verify every release against: keys.json, keys/<id>.pem and the signed
revocations.json(.sig). Built here from the database; written to the Molam marketplace by forge.pipeline.revocation
and laid beside every release a connector is handed (forge.pipeline.publications)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from forge.errors import ForgeError, StepFailed
from forge.models.package import SigningKey
from forge.pipeline.deps import PipelineDeps
from forge.signing.keyset import keyset_bytes, keyset_of
from forge.signing.revocation_list import RevocationList, RevokedPackage
from forge.signing.signer import key_id as key_id_of
from forge.signing.verify import verify_signature

REVOCATIONS = "revocations.json"
REVOCATIONS_SIG = "revocations.json.sig"
KEYSET = "keys.json"
_VERSION_ATTEMPTS = 5


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def keyset_files(keys: list[SigningKey]) -> dict[str, bytes]:
    files = {KEYSET: keyset_bytes(keyset_of(keys))}
    for key in keys:
        files[f"keys/{key.key_id}.pem"] = key.public_pem.encode()
    return files


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


def trust_files(deps: PipelineDeps, new_list: bool = False) -> tuple[int, dict[str, bytes]]:
    """keys.json, keys/*.pem and the latest revocations.json(.sig); a new list is signed when asked or when none
    exists yet (a merchant must always find one). Returns the list version and the files."""
    latest = None if new_list else deps.repos.revocations.latest()
    if latest is None:
        document, signature = sign_revocation_list(deps)
        version, body = document.version, document.canonical_bytes()
    else:
        version, body, signature = latest.version, latest.body.encode(), base64.b64decode(latest.signature)
    files = keyset_files(deps.repos.keys.all())
    files[REVOCATIONS] = body
    files[REVOCATIONS_SIG] = signature
    return version, files
