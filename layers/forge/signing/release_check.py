"""Checks a published release folder the way a merchant would, and says which check failed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from forge.signing.verify import sha256_hex, verify_signature

REQUIRED = ("manifest.json", "manifest.json.sig", "signing-key.pem")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class ReleaseReport:
    folder: Path
    checks: list[Check]
    manifest: dict[str, object]

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)


def check_release(target: Path) -> ReleaseReport:
    """`target` is the release folder, or the zip inside it."""
    folder = target.parent if target.is_file() else target
    checks: list[Check] = []
    missing = [n for n in REQUIRED if not (folder / n).is_file()]
    if missing:
        return ReleaseReport(folder, [Check("files", False, f"missing {', '.join(missing)} in {folder}")], {})
    body = (folder / "manifest.json").read_bytes()
    try:
        manifest = json.loads(body)
        assert isinstance(manifest, dict)
    except (ValueError, AssertionError):
        return ReleaseReport(folder, [Check("manifest", False, "manifest.json is not a JSON object")], {})
    pem = (folder / "signing-key.pem").read_bytes()
    signed = verify_signature(body, (folder / "manifest.json.sig").read_bytes(), pem)
    checks.append(
        Check(
            "signature",
            signed,
            "ECDSA P-256/SHA-256 signature over manifest.json " + ("verifies" if signed else "does NOT verify"),
        )
    )
    try:
        der = serialization.load_pem_public_key(pem).public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        key_id = hashlib.sha256(der).hexdigest()
    except ValueError:
        key_id = ""
    checks.append(
        Check(
            "key id",
            key_id == manifest.get("key_id"),
            f"signing-key.pem is key {key_id[:16]}…, manifest names {str(manifest.get('key_id'))[:16]}…",
        )
    )
    zip_name = str(manifest.get("zip_name", ""))
    zip_path = folder / zip_name
    if target.is_file() and target.name != zip_name:
        checks.append(Check("zip", False, f"{target.name} is not the zip the manifest names ({zip_name})"))
    elif not zip_name or "/" in zip_name or not zip_path.is_file():
        checks.append(Check("zip", False, f"{zip_name or 'zip'} not found beside manifest.json"))
    else:
        digest = sha256_hex(zip_path.read_bytes())
        checks.append(
            Check(
                "zip sha256",
                digest == manifest.get("zip_sha256"),
                f"{zip_name} sha256 {digest[:16]}… "
                + ("matches the manifest" if digest == manifest.get("zip_sha256") else "differs from the manifest"),
            )
        )
    return ReleaseReport(folder, checks, manifest)
