"""Checks a published release folder the way a merchant would, and says which check failed.

Beyond the signature and digests it checks the key against the keyset (keys.json) and the package against the
signed revocation list (revocations.json): a valid signature on a revoked package, or by a key the forge never
published, does not verify.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from forge.errors import StepFailed
from forge.packaging.checksums import parse_sha256sums
from forge.signing.dsse import DsseEnvelope, verify_envelope
from forge.signing.keyset import Keyset, parse_keyset
from forge.signing.revocation_floor import load_floor, locked, save_floor
from forge.signing.revocation_list import RevocationList, RevokedPackage, parse_revocations
from forge.signing.verify import sha256_hex, verify_signature

REQUIRED = ("manifest.json", "manifest.json.sig", "signing-key.pem")
# A release sits at <marketplace>/<slug>/<version>/; the trust files are at the marketplace root.
SEARCH_DEPTH = 3


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
    revoked: RevokedPackage | None = field(default=None)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)


def find_near(folder: Path, name: str) -> Path | None:
    """`name` in the release folder or one of its parents (the marketplace root)."""
    current = folder.resolve()
    for _ in range(SEARCH_DEPTH):
        if (current / name).is_file():
            return current / name
        if current.parent == current:
            break
        current = current.parent
    return None


def _key_id(pem: bytes) -> str:
    try:
        der = serialization.load_pem_public_key(pem).public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    except ValueError:
        return ""
    return hashlib.sha256(der).hexdigest()


def _when(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def _keyset_check(keyset: Keyset | None, where: Path | None, key_id: str, issued_at: object) -> Check:
    if keyset is None:
        detail = f"{where} is not a keyset" if where and where.is_file() else "keys.json not found; pass --keys"
        return Check("keyset", False, detail)
    entry = keyset.by_id().get(key_id)
    if entry is None:
        return Check("keyset", False, f"key {key_id[:16]}… is NOT in the forge keyset ({where})")
    if entry.status == "compromised":
        return Check("keyset", False, f"key {key_id[:16]}… is marked COMPROMISED in the keyset")
    signed = _when(issued_at)
    if entry.retired_at and (signed is None or signed > entry.retired_at):
        return Check("keyset", False, f"key {key_id[:16]}… was retired at {entry.retired_at} but signed {issued_at}")
    return Check("keyset", True, f"key {key_id[:16]}… is in the keyset ({entry.status})")


def _load_revocations(path: Path | None, keyset: Keyset | None) -> tuple[RevocationList | None, Check]:
    if path is None or not path.is_file():
        return None, Check("revocations", False, f"{path or 'revocations.json'} not found; pass --revocations")
    sig_path = path.with_name(path.name + ".sig")
    body = path.read_bytes()
    document = parse_revocations(body)
    if document is None:
        return None, Check("revocations", False, f"{path} is not a revocation list")
    pem = (keyset.pems() if keyset else {}).get(document.key_id)
    if pem is None:
        return None, Check("revocations", False, f"revocation list signed by key {document.key_id[:16]}… not in keyset")
    if not sig_path.is_file() or not verify_signature(body, sig_path.read_bytes(), pem):
        return None, Check("revocations", False, f"{path.name} signature does NOT verify")
    return document, Check("revocations", True, f"revocation list v{document.version} signature verifies")


def _rollback_check(revocations: RevocationList, keyset: Keyset, state: Path) -> Check | None:
    """None when the list is at least as new as any accepted before from this forge (and it is remembered);
    else the failed check. Only a list whose signature verified gets here."""
    key_ids = list(keyset.by_id())
    with locked(state):
        floor = load_floor(state)
        highest = floor.highest(key_ids)
        if highest is not None and revocations.version < highest.version:
            return Check(
                "revocations",
                False,
                f"revocation list v{revocations.version} is OLDER than v{highest.version} accepted on "
                f"{highest.seen_at} (a replayed list could hide a revocation); fetch the current revocations.json",
            )
        floor.remember(key_ids, revocations.version)
        save_floor(state, floor)
    return None


def _zip_check(folder: Path, target: Path, manifest: dict[str, object]) -> Check:
    zip_name = str(manifest.get("zip_name", ""))
    zip_path = folder / zip_name
    if target.is_file() and target.name != zip_name:
        return Check("zip", False, f"{target.name} is not the zip the manifest names ({zip_name})")
    if not zip_name or "/" in zip_name or not zip_path.is_file():
        return Check("zip", False, f"{zip_name or 'zip'} not found beside manifest.json")
    digest = sha256_hex(zip_path.read_bytes())
    same = digest == manifest.get("zip_sha256")
    verdict = "matches the manifest" if same else "differs from the manifest"
    return Check("zip sha256", same, f"{zip_name} sha256 {digest[:16]}… {verdict}")


def _sbom_check(folder: Path, manifest: dict[str, object]) -> Check | None:
    expected = manifest.get("sbom_sha256")
    if not expected:
        return None
    candidates = sorted(folder.glob("*.cdx.json"))
    if len(candidates) != 1:
        return Check("sbom", False, "the manifest names an SBOM, but no single *.cdx.json is beside it")
    same = sha256_hex(candidates[0].read_bytes()) == expected
    return Check("sbom", same, f"{candidates[0].name} " + ("matches the manifest" if same else "differs from it"))


def _checksums_check(folder: Path) -> Check | None:
    sums = folder / "SHA256SUMS"
    if not sums.is_file():
        return None
    try:
        listed = parse_sha256sums(sums.read_bytes())
    except StepFailed as exc:
        return Check("SHA256SUMS", False, str(exc))
    bad = [
        n
        for n, d in listed.items()
        if "/" in n or not (folder / n).is_file() or sha256_hex((folder / n).read_bytes()) != d
    ]
    return Check("SHA256SUMS", not bad, "every listed file matches" if not bad else f"mismatch: {', '.join(bad)}")


def _provenance_check(folder: Path, keyset: Keyset | None, manifest_body: bytes) -> Check | None:
    path = folder / "provenance.intoto.json"
    if not path.is_file():
        return None
    try:
        envelope = DsseEnvelope.model_validate_json(path.read_bytes())
        payload = verify_envelope(envelope, keyset.pems() if keyset else {})
        statement = json.loads(payload) if payload else None
    except ValueError:
        return Check("provenance", False, "provenance.intoto.json is not a DSSE envelope")
    if statement is None:
        return Check("provenance", False, "provenance DSSE signature does NOT verify with a keyset key")
    digests = {s.get("name"): s.get("digest", {}).get("sha256") for s in statement.get("subject", [])}
    same = digests.get("manifest.json") == sha256_hex(manifest_body)
    detail = "SLSA provenance signed, names this manifest" if same else "provenance names another manifest"
    return Check("provenance", same, detail)


def _statement_check(folder: Path, keyset: Keyset | None, manifest_body: bytes) -> Check | None:
    path, sig = folder / "release-statement.json", folder / "release-statement.json.sig"
    if not path.is_file():
        return None
    body = path.read_bytes()
    try:
        statement = json.loads(body)
        key = str(statement["key_id"])
    except (ValueError, KeyError, TypeError):
        return Check("release statement", False, "release-statement.json is not a statement")
    pem = (keyset.pems() if keyset else {}).get(key)
    if pem is None or not sig.is_file() or not verify_signature(body, sig.read_bytes(), pem):
        return Check("release statement", False, "release statement signature does NOT verify with a keyset key")
    if statement.get("manifest_sha256") != sha256_hex(manifest_body):
        return Check("release statement", False, "the release statement names another manifest")
    names = ", ".join(a.get("approver_id", "?") for a in statement.get("approvers", []))
    return Check("release statement", True, f"approved by {names}")


def check_release(
    target: Path,
    keys_path: Path | None = None,
    revocations_path: Path | None = None,
    state_path: Path | None = None,
) -> ReleaseReport:
    """`target` is the release folder, or the zip inside it. keys.json and revocations.json are looked for in
    the release folder and its parents unless given. With `state_path`, a revocation list older than one
    accepted before is refused (forge.signing.revocation_floor)."""
    folder = target.parent if target.is_file() else target
    checks: list[Check] = []
    missing = [n for n in REQUIRED if not (folder / n).is_file()]
    if missing:
        return ReleaseReport(folder, [Check("files", False, f"missing {', '.join(missing)} in {folder}")], {})
    body = (folder / "manifest.json").read_bytes()
    pem = (folder / "signing-key.pem").read_bytes()
    # The signature is checked on the bytes first: a flipped byte is reported as what it is, a bad signature.
    signed = verify_signature(body, (folder / "manifest.json.sig").read_bytes(), pem)
    verdict = "verifies" if signed else "does NOT verify"
    checks.append(Check("signature", signed, f"ECDSA P-256/SHA-256 signature over manifest.json {verdict}"))
    try:
        manifest = json.loads(body)
        assert isinstance(manifest, dict)
    except (ValueError, AssertionError):
        return ReleaseReport(folder, [*checks, Check("manifest", False, "manifest.json is not a JSON object")], {})
    key_id = _key_id(pem)
    checks.append(
        Check(
            "key id",
            key_id == manifest.get("key_id"),
            f"signing-key.pem is key {key_id[:16]}…, manifest names {str(manifest.get('key_id'))[:16]}…",
        )
    )
    checks.append(_zip_check(folder, target, manifest))
    for optional in (_sbom_check(folder, manifest), _checksums_check(folder)):
        if optional is not None:
            checks.append(optional)

    keys_file = keys_path or find_near(folder, "keys.json")
    keyset = parse_keyset(keys_file.read_bytes()) if keys_file and keys_file.is_file() else None
    checks.append(_keyset_check(keyset, keys_file, key_id, manifest.get("issued_at")))
    for optional in (_provenance_check(folder, keyset, body), _statement_check(folder, keyset, body)):
        if optional is not None:
            checks.append(optional)

    revocations, loaded = _load_revocations(revocations_path or find_near(folder, "revocations.json"), keyset)
    if revocations is not None and keyset is not None and state_path is not None:
        loaded = _rollback_check(revocations, keyset, state_path) or loaded
    checks.append(loaded)
    revoked = None
    if revocations is not None:
        revoked = revocations.find(
            str(manifest.get("zip_sha256") or ""), str(manifest.get("slug") or ""), str(manifest.get("version") or "")
        )
        if revoked is not None:
            when = revoked.revoked_at.isoformat()
            checks.append(Check("revocation", False, f"REVOKED at {when}: {revoked.reason}"))
        else:
            checks.append(Check("revocation", True, f"not in revocation list v{revocations.version}"))
    return ReleaseReport(folder, checks, manifest, revoked)
