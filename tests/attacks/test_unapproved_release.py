"""Guarantee: a release verifies only with a release statement, signed by a key keys.json lists as usable, that
names at least the required number of distinct approvers of this very manifest; `forge verify` and the merchant's
openssl-only recipe (docs/verify.md) both refuse anything less."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest

from forge.models.job import Step
from forge.pipeline import artifacts_layout
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.key_rotation import compromise_key
from forge.pipeline.revocation import publish_trust_files
from forge.publishing import release
from forge.publishing.release_statement import Approver, ReleaseStatement
from forge.signing.release_check import check_release
from forge.signing.verify import sha256_hex
from tests.integration.supply_chain.flow import new_job, released, step
from tests.integration.supply_chain.test_merchant_docs import merchant_copy, run


def failed(report: object) -> dict[str, str]:
    return {c.name: c.detail for c in report.checks if not c.ok}  # type: ignore[attr-defined]


def unapproved_release(deps: PipelineDeps, where: Path) -> Path:
    """What an insider assembles from a package that was signed but never approved: the zip, SBOM and signed manifest
    from the artifact store, a fresh SHA256SUMS, no release statement; the trust files from the marketplace."""
    job = new_job(deps)
    step(deps, job, Step.PACKAGE)
    step(deps, job, Step.SIGN)
    publish_trust_files(deps)
    spec_slug, version = job.params["slug"], job.params["version"]
    folder = where / spec_slug / version
    folder.mkdir(parents=True)
    store = deps.artifacts
    files = {release.zip_name(spec_slug, version): store.get(artifacts_layout.package_zip(job.id, spec_slug, version))}
    files[release.sbom_name(spec_slug, version)] = store.get(
        artifacts_layout.bundle_file(job.id, release.sbom_name(spec_slug, version))
    )
    for name in release.SIGNED_FILES:
        files[name] = store.get(artifacts_layout.release_file(job.id, name))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    sums = "".join(
        f"{sha256_hex(files[n])}  {n}\n"
        for n in (release.zip_name(spec_slug, version), release.sbom_name(spec_slug, version))
    )
    (folder / "SHA256SUMS").write_text(sums)
    root = deps.settings.marketplace_dir
    for name in ("keys.json", "revocations.json", "revocations.json.sig"):
        shutil.copy(root / name, where / name)
    shutil.copytree(root / "keys", where / "keys")
    return folder


def test_a_signed_but_unapproved_package_does_not_verify(deps: PipelineDeps, tmp_path: Path) -> None:
    folder = unapproved_release(deps, tmp_path)
    assert not (folder / "release-statement.json").exists()
    report = check_release(folder, state_path=tmp_path / "seen.json")
    assert not report.ok
    assert "no release statement" in failed(report)["release statement"]
    done = run(folder)
    assert done.returncode != 0, done.stdout
    assert "approved manifest" not in done.stdout


def resign_statement(deps: PipelineDeps, folder: Path, **changes: object) -> None:
    """The statement rewritten and signed by the forge's own active key: what a misconfigured or subverted forge
    could emit. Even a valid forge signature must not make too few approvers enough."""
    statement = ReleaseStatement.model_validate_json((folder / "release-statement.json").read_bytes())
    statement = statement.model_copy(update=changes)
    body = statement.canonical_bytes()
    _key, signer = deps.signer()
    (folder / "release-statement.json").write_bytes(body)
    (folder / "release-statement.json.sig").write_bytes(signer.sign(body))


def only_alice(folder: Path) -> list[Approver]:
    statement = ReleaseStatement.model_validate_json((folder / "release-statement.json").read_bytes())
    return [a for a in statement.approvers if a.approver_id == "alice"]


@pytest.mark.parametrize(
    "case",
    [
        "one approver, one required",
        "the same approver twice",
        "fewer approvers than the statement requires",
        "the requester among the approvers",
    ],
)
def test_a_statement_naming_too_few_distinct_approvers_does_not_verify(
    deps: PipelineDeps, tmp_path: Path, case: str
) -> None:
    _job, published = released(deps)
    folder = merchant_copy(deps, published, tmp_path)
    alice = only_alice(folder)
    changes: dict[str, object] = {
        "one approver, one required": {"approvers": alice, "required_approvals": 1},
        "the same approver twice": {"approvers": alice + alice},
        "fewer approvers than the statement requires": {"required_approvals": 3},
        "the requester among the approvers": {"requested_by": "alice"},
    }[case]
    resign_statement(deps, folder, **changes)
    report = check_release(folder, state_path=tmp_path / "seen.json")
    assert "release statement" in failed(report), failed(report)
    done = run(folder)
    assert done.returncode != 0, done.stdout
    assert "approved manifest" not in done.stdout


def test_a_statement_signed_by_a_compromised_key_does_not_verify(deps: PipelineDeps, tmp_path: Path) -> None:
    """The manifest key stays trusted (retired after a rotation); only the statement's key is compromised."""
    _job, published = released(deps)
    statement_key = json.loads((published / "release-statement.json").read_bytes())["key_id"]
    compromise_key(deps, statement_key, "statement key leaked")
    # Re-sign the manifest with the replacement key so only the statement points at the compromised key.
    folder = merchant_copy(deps, published, tmp_path)
    key, signer = deps.signer()
    manifest = json.loads((folder / "manifest.json").read_bytes())
    manifest["key_id"] = key.key_id
    body = (json.dumps(manifest, sort_keys=True, separators=(",", ":")) + "\n").encode()
    (folder / "manifest.json").write_bytes(body)
    (folder / "manifest.json.sig").write_bytes(signer.sign(body))
    (folder / "signing-key.pem").write_text(key.public_pem)
    statement = ReleaseStatement.model_validate_json((folder / "release-statement.json").read_bytes())
    old_signer_sig = (folder / "release-statement.json.sig").read_bytes()
    statement_body = statement.model_copy(
        update={"manifest_sha256": sha256_hex(body), "manifest_key_id": key.key_id}
    ).canonical_bytes()
    # Signed by the compromised key: the HSM still holds it, so an attacker who stole it could do exactly this.
    from forge.signing.backends import signer_for

    compromised = signer_for(deps.repos.keys.get(statement_key), deps.settings)
    (folder / "release-statement.json").write_bytes(statement_body)
    (folder / "release-statement.json.sig").write_bytes(compromised.sign(statement_body))
    assert (folder / "release-statement.json.sig").read_bytes() != old_signer_sig
    report = check_release(folder, state_path=tmp_path / "seen.json")
    assert "release statement" in failed(report), failed(report)
    done = run(folder)
    assert done.returncode != 0, done.stdout
    assert "approved manifest" not in done.stdout, done.stdout


def test_the_statement_must_name_this_manifest(deps: PipelineDeps, tmp_path: Path) -> None:
    """A genuine statement of release A placed beside release B (same slug, a later version) does not approve B."""
    _a, first = released(deps, "1.0.0")
    _b, second = released(deps, "1.0.1")
    folder = merchant_copy(deps, second, tmp_path)
    for name in ("release-statement.json", "release-statement.json.sig"):
        shutil.copy(first / name, folder / name)
    report = check_release(folder, state_path=tmp_path / "seen.json")
    assert "another manifest" in failed(report)["release statement"]
    assert run(folder).returncode != 0


def test_a_forged_signature_file_is_not_a_statement(deps: PipelineDeps, tmp_path: Path) -> None:
    _job, published = released(deps)
    folder = merchant_copy(deps, published, tmp_path)
    (folder / "release-statement.json.sig").write_bytes(base64.b64decode("MEUCIQ" + "A" * 90))
    assert "release statement" in failed(check_release(folder, state_path=tmp_path / "seen.json"))
    assert run(folder).returncode != 0
