"""Refuse to sign or publish a zip whose exact bytes were already revoked: merchants check revocations.json by
zip sha256, so republishing it would ship a release every merchant check rejects."""

from __future__ import annotations

from datetime import datetime

from forge.errors import StepFailed
from forge.ports.repositories import RevocationLists


def refuse_revoked_zip(revocations: RevocationLists, zip_sha256: str) -> None:
    hit = revocations.revoked_zip(zip_sha256)
    if hit is None:
        return
    revoked_at = hit["revoked_at"]
    when = revoked_at.isoformat(timespec="seconds") if isinstance(revoked_at, datetime) else str(revoked_at)
    raise StepFailed(
        f"this exact zip (sha256 {zip_sha256[:16]}…) was revoked on {when} as {hit['slug']}@{hit['version']} "
        f"(package {hit['id']}: {hit['revocation_reason']}); bump the version"
    )
