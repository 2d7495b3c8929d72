"""Guarantee: Publish counts only approvals it can verify cryptographically: each row's signature by a keyset key the
signer (HSM/KMS) really holds, over this package's manifest digest, by an enrolled approver who is not the
requester. Rows written straight into the database (or copied from another package) never publish anything; they
fail the job loudly and emit forge_approval_verification_failures_total."""

from __future__ import annotations

import base64
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest

from forge.errors import StepFailed
from forge.models.job import Job, Step
from forge.pipeline import artifacts_layout
from forge.pipeline.approval_statement import approval_statement, manifest_sha256
from forge.pipeline.deps import PipelineDeps
from forge.signing.signer import key_id as key_id_of
from tests.integration.supply_chain.flow import approve, enrolled, new_job, step

VERIFICATION_METRIC = "forge_approval_verification_failures_total"


def signed_job(deps: PipelineDeps, version: str = "1.0.0") -> Job:
    job = new_job(deps, version)
    step(deps, job, Step.PACKAGE)
    step(deps, job, Step.SIGN)
    return deps.repos.jobs.get(job.id)


def insert_row(
    deps: PipelineDeps,
    package_id: UUID,
    approver: str,
    signature: str,
    key_id: str | None,
    at: datetime,
    approved: bool = True,
) -> None:
    deps.repos.packages.db.execute(
        """INSERT INTO forge_approvals (plugin_package_id, approver_id, approver_role, approved, comment,
                                        mfa_verified, signature, signing_key_id, created_at)
           VALUES (%s, %s, 'plugin_forge_ops', %s, 'lgtm', true, %s, %s, %s)""",
        (package_id, approver, approved, signature, key_id, at),
    )


def forge_signed_row(deps: PipelineDeps, package_id: UUID, approver: str) -> None:
    """A row whose signature the forge's own signer made, as if an insider got it to sign outside decide()."""
    package = deps.repos.packages.get(package_id)
    key, signer = deps.signer()
    at = datetime.now(UTC)
    statement = approval_statement(package, approver, "plugin_forge_ops", True, at)
    insert_row(deps, package_id, approver, base64.b64encode(signer.sign(statement)).decode(), key.key_id, at)


def assert_publish_refused(deps: PipelineDeps, job: Job, capsys: pytest.CaptureFixture[str], why: str) -> None:
    capsys.readouterr()
    with pytest.raises(StepFailed, match=why):
        step(deps, job, Step.PUBLISH)
    assert VERIFICATION_METRIC in capsys.readouterr().out
    slug, version = job.params["slug"], job.params["version"]
    assert not (deps.settings.marketplace_dir / slug / version).exists()


def test_rows_inserted_for_names_never_enrolled_do_not_publish(
    deps: PipelineDeps, capsys: pytest.CaptureFixture[str]
) -> None:
    job = signed_job(deps)
    assert job.plugin_package_id is not None
    key = deps.repos.keys.active()
    assert key is not None
    for name in ("mallory", "trudy"):
        insert_row(deps, job.plugin_package_id, name, "c2lnbmVk", key.key_id, datetime.now(UTC))
    assert_publish_refused(deps, job, capsys, "does not verify")


def test_genuine_rows_copied_from_another_package_do_not_publish(
    deps: PipelineDeps, capsys: pytest.CaptureFixture[str]
) -> None:
    approved = signed_job(deps, "1.0.0")
    target = signed_job(deps, "1.0.1")
    assert approved.plugin_package_id
    assert target.plugin_package_id
    approve(deps, approved.plugin_package_id, "alice", "bob")
    for row in deps.repos.approvals.approvals_for_package(approved.plugin_package_id):
        insert_row(deps, target.plugin_package_id, row.approver_id, row.signature, row.signing_key_id, row.created_at)
    assert_publish_refused(deps, target, capsys, "does not verify")


def test_a_forge_signed_row_for_the_requester_does_not_count(
    deps: PipelineDeps, capsys: pytest.CaptureFixture[str]
) -> None:
    job = signed_job(deps)
    assert job.plugin_package_id is not None
    enrolled(deps, job.requested_by)
    approve(deps, job.plugin_package_id, "alice")
    forge_signed_row(deps, job.plugin_package_id, job.requested_by)
    assert_publish_refused(deps, job, capsys, "requested the job")


def test_a_forge_signed_row_for_someone_never_enrolled_does_not_count(
    deps: PipelineDeps, capsys: pytest.CaptureFixture[str]
) -> None:
    job = signed_job(deps)
    assert job.plugin_package_id is not None
    approve(deps, job.plugin_package_id, "alice")
    forge_signed_row(deps, job.plugin_package_id, "ghost")
    assert_publish_refused(deps, job, capsys, "not by an enrolled")


def test_rows_signed_by_a_key_planted_in_the_keyset_do_not_publish(
    deps: PipelineDeps, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whoever can write the database can add a keyset row too: only a key the HSM holds vouches for an approval."""
    job = signed_job(deps)
    assert job.plugin_package_id is not None
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "evil.key"],
                   cwd=tmp_path, check=True, capture_output=True)  # fmt: skip
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.hashes import SHA256

    private = serialization.load_pem_private_key((tmp_path / "evil.key").read_bytes(), None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    der = private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    evil_id = key_id_of(der)
    deps.repos.packages.db.execute(
        """INSERT INTO signing_keys (key_id, public_pem, backend, backend_ref, status, retired_at)
           VALUES (%s, %s, 'pkcs11', 'forge-20250101T000000-deadbeef', 'retired', now() + interval '1 day')""",
        (evil_id, pem),
    )
    package = deps.repos.packages.get(job.plugin_package_id)
    for name in ("alice", "bob"):
        enrolled(deps, name)
        at = datetime.now(UTC)
        signature = private.sign(approval_statement(package, name, "plugin_forge_ops", True, at), ec.ECDSA(SHA256()))
        insert_row(deps, package.id, name, base64.b64encode(signature).decode(), evil_id, at)
    assert_publish_refused(deps, job, capsys, "not held by the signer")


def test_approvals_of_an_earlier_manifest_do_not_publish_a_swapped_zip(
    deps: PipelineDeps, capsys: pytest.CaptureFixture[str]
) -> None:
    """Approved, then the zip is swapped in the store and the database and Sign run again: the approvers never saw
    the new manifest, so their rows do not cover it."""
    job = signed_job(deps)
    assert job.plugin_package_id is not None
    approve(deps, job.plugin_package_id, "alice", "bob")
    before = manifest_sha256(deps.repos.packages.get(job.plugin_package_id))
    slug, version = job.params["slug"], job.params["version"]
    key = artifacts_layout.package_zip(job.id, slug, version)
    swapped = deps.artifacts.get(key) + b"\x00"
    deps.artifacts.put(key, swapped)
    from forge.signing.verify import sha256_hex

    deps.repos.packages.db.execute(
        "UPDATE plugin_packages SET zip_sha256 = %s WHERE id = %s", (sha256_hex(swapped), job.plugin_package_id)
    )
    from forge.models.job import StepEvent
    from forge.pipeline.bookkeeping import run_step
    from forge.pipeline.steps.sign import sign

    run_step(deps, Step.SIGN, StepEvent(job_id=job.id, delivery="attacker:sign-again"), sign)
    assert manifest_sha256(deps.repos.packages.get(job.plugin_package_id)) != before
    assert_publish_refused(deps, job, capsys, "does not verify")


def test_genuine_approvals_still_publish(deps: PipelineDeps) -> None:
    job = signed_job(deps)
    assert job.plugin_package_id is not None
    approve(deps, job.plugin_package_id, "alice", "bob")
    step(deps, job, Step.PUBLISH)
    assert deps.repos.packages.get(job.plugin_package_id).status == "published"


def test_the_approval_of_an_approver_deactivated_since_does_not_count(
    deps: PipelineDeps, capsys: pytest.CaptureFixture[str]
) -> None:
    """An approver who left (deactivated by an admin) between approving and Publish no longer vouches for it."""
    job = signed_job(deps)
    assert job.plugin_package_id is not None
    approve(deps, job.plugin_package_id, "alice", "bob")
    deps.repos.approvers.deactivate("bob", "admin", "left the company")
    assert_publish_refused(deps, job, capsys, "not by an enrolled, active approver")
