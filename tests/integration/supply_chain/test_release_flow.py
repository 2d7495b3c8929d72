"""A release as merchants get it: signed manifest, SBOM, checksums, DSSE provenance, release statement;
keyset and revocation list at the marketplace root; rotation and revocation; tampering caught."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from forge.models.job import Step
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.key_rotation import rotate_keys
from forge.pipeline.revocation import revoke_package
from forge.signing.dsse import DsseEnvelope, verify_envelope
from forge.signing.keyset import parse_keyset
from forge.signing.release_check import check_release
from forge.signing.revocation_list import parse_revocations
from forge.signing.verify import sha256_hex, verify_signature
from tests.integration.supply_chain.flow import released

RELEASE_FILES = {
    "SHA256SUMS",
    "manifest.json",
    "manifest.json.sig",
    "signing-key.pem",
    "provenance.intoto.json",
    "release-statement.json",
    "release-statement.json.sig",
}


@pytest.fixture
def deps(forge_env: Path, softhsm: str) -> Iterator[PipelineDeps]:
    from forge.wiring import default_deps, reset_deps

    reset_deps()
    yield default_deps()
    reset_deps()


def failed(report: object) -> dict[str, str]:
    return {c.name: c.detail for c in report.checks if not c.ok}  # type: ignore[attr-defined]


def test_published_release_verifies_and_carries_every_attestation(deps: PipelineDeps) -> None:
    job, folder = released(deps)
    manifest = json.loads((folder / "manifest.json").read_bytes())
    slug, version = manifest["slug"], manifest["version"]
    assert {p.name for p in folder.iterdir()} == RELEASE_FILES | {f"{slug}-{version}.zip", f"{slug}-{version}.cdx.json"}
    report = check_release(folder)
    assert report.ok, failed(report)
    assert {c.name for c in report.checks} >= {"keyset", "revocations", "revocation", "provenance", "sbom"}

    # The manifest carries what the issue asks, and signs the SBOM too.
    assert manifest["job_id"] == str(job.id)
    assert len(manifest["spec_digest"]) == 64
    assert manifest["sbom_sha256"] == sha256_hex((folder / f"{slug}-{version}.cdx.json").read_bytes())
    sbom = json.loads((folder / f"{slug}-{version}.cdx.json").read_bytes())
    assert sbom["metadata"]["component"]["hashes"][0]["content"] == manifest["zip_sha256"]
    assert [c["name"] for c in sbom["components"]] == ["psr/log"]

    keyset = parse_keyset((deps.settings.marketplace_dir / "keys.json").read_bytes())
    assert keyset is not None
    assert [k.status for k in keyset.keys] == ["active"]

    # DSSE: an in-toto Statement v1 with SLSA provenance v1, naming the zip, the manifest, and the steps.
    envelope = DsseEnvelope.model_validate_json((folder / "provenance.intoto.json").read_bytes())
    statement = json.loads(verify_envelope(envelope, keyset.pems()) or b"null")
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
    assert subjects == {
        f"{slug}-{version}.zip": manifest["zip_sha256"],
        "manifest.json": sha256_hex((folder / "manifest.json").read_bytes()),
    }
    predicate = statement["predicate"]
    assert predicate["buildDefinition"]["externalParameters"]["spec_digest"] == manifest["spec_digest"]
    assert predicate["runDetails"]["metadata"]["invocationId"] == str(job.id)
    steps = predicate["runDetails"]["byproducts"][0]["annotations"]["steps"]
    assert [(s["step"], s["status"]) for s in steps] == [("package", "success"), ("sign", "running")]
    byproduct = predicate["runDetails"]["byproducts"][0]
    assert json.loads(base64.b64decode(byproduct["content"])) == steps

    # The release statement names the approvers and the manifest digest, signed by a keyset key.
    body = (folder / "release-statement.json").read_bytes()
    release_statement = json.loads(body)
    assert [a["approver_id"] for a in release_statement["approvers"]] == ["alice", "bob"]
    assert release_statement["manifest_sha256"] == subjects["manifest.json"]
    pem = keyset.pems()[release_statement["key_id"]]
    assert verify_signature(body, (folder / "release-statement.json.sig").read_bytes(), pem)


@pytest.mark.parametrize("target", ["zip", "manifest.json", "provenance.intoto.json", "release-statement.json"])
def test_one_flipped_byte_fails_verification(deps: PipelineDeps, tmp_path: Path, target: str) -> None:
    _job, folder = released(deps)
    copy = tmp_path / "release"
    shutil.copytree(folder, copy)
    path = next(copy.glob("*.zip")) if target == "zip" else copy / target
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    marketplace = deps.settings.marketplace_dir
    report = check_release(copy, marketplace / "keys.json", marketplace / "revocations.json")
    assert not report.ok
    expected = {"zip": "zip sha256", "manifest.json": "signature", "provenance.intoto.json": "provenance"}
    assert expected.get(target, "release statement") in failed(report)


def test_a_key_not_in_the_keyset_is_refused(deps: PipelineDeps, tmp_path: Path) -> None:
    _job, folder = released(deps)
    marketplace = deps.settings.marketplace_dir
    keyset = json.loads((marketplace / "keys.json").read_bytes())
    keyset["keys"] = []
    (tmp_path / "keys.json").write_text(json.dumps(keyset))
    report = check_release(folder, tmp_path / "keys.json", marketplace / "revocations.json")
    assert "NOT in the forge keyset" in failed(report)["keyset"]


def test_rotation_keeps_old_packages_verifying(deps: PipelineDeps) -> None:
    _job, before = released(deps, "1.0.0")
    first = deps.repos.keys.active()
    rotation = rotate_keys(deps)
    assert rotation.previous is not None
    assert rotation.previous.key_id == first.key_id
    assert rotation.previous.status == "retired"
    assert rotation.active.key_id != first.key_id
    keyset = parse_keyset((deps.settings.marketplace_dir / "keys.json").read_bytes())
    assert {k.key_id: k.status for k in keyset.keys} == {first.key_id: "retired", rotation.active.key_id: "active"}
    assert (deps.settings.marketplace_dir / "keys" / f"{first.key_id}.pem").read_text() == first.public_pem
    report = check_release(before)
    assert report.ok, failed(report)
    _job, after = released(deps, "1.0.1")
    assert json.loads((after / "manifest.json").read_bytes())["key_id"] == rotation.active.key_id
    assert check_release(after).ok


def test_revocation_retracts_and_is_reported_though_the_signature_is_valid(deps: PipelineDeps, tmp_path: Path) -> None:
    job, folder = released(deps)
    merchant_copy = tmp_path / "downloaded"
    shutil.copytree(folder, merchant_copy)
    marketplace = deps.settings.marketplace_dir
    first_list = parse_revocations((marketplace / "revocations.json").read_bytes())
    assert first_list is not None
    assert first_list.revoked == []

    done = revoke_package(deps, job.plugin_package_id, "  leaked API key in gateway.php ", "root")
    assert done.package.status == "revoked"
    assert done.retracted_releases == 1
    assert not folder.exists()
    publications = deps.repos.publications.for_package(job.plugin_package_id)
    assert [p.publication_status for p in publications] == ["retracted"]

    body = (marketplace / "revocations.json").read_bytes()
    listed = parse_revocations(body)
    assert listed is not None
    assert listed.version == first_list.version + 1
    assert [(r.package_id, r.reason) for r in listed.revoked] == [
        (str(job.plugin_package_id), "leaked API key in gateway.php")
    ]
    active = deps.repos.keys.active()
    assert verify_signature(body, (marketplace / "revocations.json.sig").read_bytes(), active.public_pem.encode())

    report = check_release(merchant_copy, marketplace / "keys.json", marketplace / "revocations.json")
    assert report.revoked is not None
    assert "REVOKED" in failed(report)["revocation"]
    assert next(c for c in report.checks if c.name == "signature").ok  # the signature itself is still valid

    from forge.errors import Conflict

    with pytest.raises(Conflict, match="already revoked"):
        revoke_package(deps, job.plugin_package_id, "again", "root")


def test_a_tampered_revocation_list_is_refused(deps: PipelineDeps, tmp_path: Path) -> None:
    _job, folder = released(deps)
    marketplace = deps.settings.marketplace_dir
    shutil.copy(marketplace / "revocations.json.sig", tmp_path / "revocations.json.sig")
    listed = json.loads((marketplace / "revocations.json").read_bytes())
    listed["version"] += 1
    (tmp_path / "revocations.json").write_text(json.dumps(listed, sort_keys=True, separators=(",", ":")) + "\n")
    report = check_release(folder, marketplace / "keys.json", tmp_path / "revocations.json")
    assert "does NOT verify" in failed(report)["revocations"]


class WorkflowSpy:
    """Stands in for the Step Functions API: records which waiting task the revocation fails."""

    def __init__(self) -> None:
        self.failed: list[tuple[str, str, str]] = []

    def send_failure(self, task_token: str, error: str, cause: str) -> None:
        self.failed.append((task_token, error, cause))

    def send_heartbeat(self, task_token: str) -> None:
        pass


def test_revoking_a_package_awaiting_approval_fails_its_waiting_workflow(deps: PipelineDeps) -> None:
    from tests.integration.supply_chain.flow import new_job, step

    job = new_job(deps)
    step(deps, job, Step.PACKAGE)
    step(deps, job, Step.SIGN)
    deps.repos.approvals.open_request(job.plugin_package_id, job.id, "tester", 2, "token-123", 3600)
    spy = WorkflowSpy()
    deps = replace(deps, workflow=spy)
    done = revoke_package(deps, job.plugin_package_id, "supplier compromised", "root")
    assert done.retracted_releases == 0
    assert done.package.status == "revoked"
    assert spy.failed == [("token-123", "PackageRevoked", "package revoked: supplier compromised")]
    assert [r.status for r in deps.repos.approvals.requests_for_job(job.id)] == ["cancelled"]
