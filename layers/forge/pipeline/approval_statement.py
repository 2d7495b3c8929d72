"""The exact bytes an approver's decision is signed over, rebuilt from the row and its package to verify it.

It names the manifest by its digest: an approval is of the signed manifest the approver was shown (zip, SBOM, name,
version, key, job), so a re-signed or swapped package needs approving again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from forge.models.package import Package
from forge.signing.verify import sha256_hex

SCHEMA = "plugin-forge.approval/v2"


def manifest_sha256(package: Package) -> str:
    """sha256 of the manifest's canonical bytes (Manifest.canonical_bytes), rebuilt from the package row."""
    body = json.dumps(package.manifest or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    return sha256_hex(body.encode("utf-8"))


def approval_statement(package: Package, approver: str, role: str, approved: bool, at: datetime) -> bytes:
    return json.dumps(
        {
            "schema": SCHEMA,
            "package_id": str(package.id),
            "manifest_sha256": manifest_sha256(package),
            "zip_sha256": package.zip_sha256,
            "key_id": package.signing_key_id,
            "approver": approver,
            "role": role,
            "decision": "approve" if approved else "reject",
            "at": at.astimezone(UTC).isoformat(),
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
