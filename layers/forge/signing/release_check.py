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
from forge.models.package import APPROVAL_FLOOR
from forge.packaging.checksums import parse_sha256sums
from forge.publishing.release import STATEMENT, STATEMENT_SIG
from forge.publishing.release_statement import ReleaseStatement
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


def usable_key(keyset: Keyset | None, key_id: str, signed_at: object) -> tuple[bytes | None, str]:
    """The PEM of a keyset key that may vouch for a document issued at `signed_at`, or (None, why not). One rule
    for every signature a release carries (manifest, release statement, revocation list): the key is listed,
    not compromised, and, when retired, was retired after it signed."""
    if keyset is None:
        return None, "no keyset to check the key against"
    entry = keyset.by_id().get(key_id)
    if entry is None:
        return None, f"key {key_id[:16]}… is NOT in the forge keyset"
    if entry.status == "compromised":
        return None, f"key {key_id[:16]}… is marked COMPROMISED in the keyset"
    signed = _when(signed_at)
    if entry.retired_at and (signed is None or signed > entry.retired_at):
        return None, f"key {key_id[:16]}… was retired at {entry.retired_at} but signed {signed_at}"
    return entry.public_pem.encode(), f"key {key_id[:16]}… is in the keyset ({entry.status})"


def _keyset_check(keyset: Keyset | None, where: Path | None, key_id: str, issued_at: object) -> Check:
    if keyset is None:
        detail = f"{where} is not a keyset" if where and where.is_file() else "keys.json not found; pass --keys"
        return Check("keyset", False, detail)
    pem, detail = usable_key(keyset, key_id, issued_at)
    if pem is None and "NOT in the forge keyset" in detail:
        detail += f" ({where})"
    return Check("keyset", pem is not None, detail)


def _load_revocations(path: Path | None, keyset: Keyset | None) -> tuple[RevocationList | None, Check]:
    if path is None or not path.is_file():
        return None, Check("revocations", False, f"{path or 'revocations.json'} not found; pass --revocations")
    sig_path = path.with_name(path.name + ".sig")
    body = path.read_bytes()
    document = parse_revocations(body)
    if document is None:
        return None, Check("revocations", False, f"{path} is not a revocation list")
    pem, why = usable_key(keyset, document.key_id, document.issued_at)
    if pem is None:
        return None, Check("revocations", False, f"revocation list not trusted: {why}")
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


def _statement_check(
    folder: Path, keyset: Keyset | None, manifest_body: bytes, manifest: dict[str, object], min_approvals: int
) -> Check:
    """Required: a release without a statement was never approved for release, however valid its manifest."""
    path, sig = folder / STATEMENT, folder / STATEMENT_SIG
    if not path.is_file():
        return Check("release statement", False, f"no release statement ({STATEMENT}): the package was never approved")
    body = path.read_bytes()
    try:
        statement = ReleaseStatement.model_validate_json(body)
    except ValueError:
        return Check("release statement", False, f"{STATEMENT} is not a release statement")
    pem, why = usable_key(keyset, statement.key_id, statement.issued_at)
    if pem is None:
        return Check("release statement", False, f"release statement not trusted: {why}")
    if not sig.is_file() or not verify_signature(body, sig.read_bytes(), pem):
        return Check("release statement", False, "release statement signature does NOT verify with its keyset key")
    if statement.manifest_sha256 != sha256_hex(manifest_body) or statement.zip_sha256 != manifest.get("zip_sha256"):
        return Check("release statement", False, "the release statement names another manifest")
    names = [a.approver_id for a in statement.approvers]
    distinct = sorted(set(names))
    required = max(statement.required_approvals, min_approvals)
    if statement.requested_by in distinct:
        return Check("release statement", False, f"NOT APPROVED: {statement.requested_by} approved their own job")
    if len(distinct) != len(names) or len(distinct) < required:
        return Check(
            "release statement",
            False,
            f"NOT APPROVED: {len(distinct)} distinct approver(s) ({', '.join(names) or 'none'}), {required} required",
        )
    return Check("release statement", True, f"approved by {', '.join(distinct)} ({required} required)")


def check_release(
    target: Path,
    keys_path: Path | None = None,
    revocations_path: Path | None = None,
    state_path: Path | None = None,
    min_approvals: int = APPROVAL_FLOOR,
) -> ReleaseReport:
    """`target` is the release folder, or the zip inside it. keys.json and revocations.json are looked for in
    the release folder and its parents unless given. With `state_path`, a revocation list older than one
    accepted before is refused (forge.signing.revocation_floor). A release needs its signed statement naming at
    least `min_approvals` distinct approvers (never fewer than the forge's two-person rule)."""
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
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict):
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
    provenance = _provenance_check(folder, keyset, body)
    if provenance is not None:
        checks.append(provenance)
    checks.append(_statement_check(folder, keyset, body, manifest, max(min_approvals, APPROVAL_FLOOR)))

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
