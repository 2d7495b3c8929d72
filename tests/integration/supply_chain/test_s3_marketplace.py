"""FORGE_MARKETPLACE=s3: what publish, revocation and key rotation write must land in the bucket (in Lambda the
folder marketplace would be /tmp, gone after the call). S3 is moto; Postgres, SoftHSM and the steps are real."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from forge.config import get_settings, reset_settings
from forge.errors import ForgeError, StepFailed
from forge.models.job import Step
from forge.models.spec import load_spec
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.key_rotation import rotate_keys
from forge.pipeline.revocation import revoke_package
from forge.publishing.marketplace import marketplace
from forge.publishing.s3_marketplace import S3Marketplace
from forge.signing.keyset import parse_keyset
from forge.signing.revocation_list import parse_revocations
from forge.signing.verify import verify_signature
from tests.integration.supply_chain.flow import EXAMPLE, approve, new_job, step

BUCKET = "forge-marketplace-test"
PREFIX = "market"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


@pytest.fixture
def deps(forge_env: Path, softhsm: str, s3: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[PipelineDeps]:
    from forge.wiring import default_deps, reset_deps

    monkeypatch.setenv("FORGE_MARKETPLACE", "s3")
    monkeypatch.setenv("FORGE_MARKETPLACE_BUCKET", BUCKET)
    monkeypatch.setenv("FORGE_MARKETPLACE_PREFIX", PREFIX)
    reset_settings()
    reset_deps()
    yield default_deps()
    reset_deps()


def keys_in(client: object, prefix: str) -> set[str]:
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix)  # type: ignore[attr-defined]
    return {item["Key"] for item in listed.get("Contents", [])}


def read(client: object, key: str) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()  # type: ignore[attr-defined]


def test_publish_revoke_and_rotate_keep_everything_in_the_bucket(deps: PipelineDeps, s3: object) -> None:
    spec = load_spec(EXAMPLE)
    job = new_job(deps)
    step(deps, job, Step.PACKAGE)
    step(deps, job, Step.SIGN)
    assert job.plugin_package_id is not None
    approve(deps, job.plugin_package_id, "alice", "bob")
    step(deps, job, Step.PUBLISH)

    release = f"{PREFIX}/{spec.slug}/{spec.version}/"
    published = keys_in(s3, release)
    assert f"{release}{spec.slug}-{spec.version}.zip" in published
    assert {f"{release}manifest.json.sig", f"{release}release-statement.json.sig"} <= published
    assert not deps.settings.marketplace_dir.exists(), "nothing may be written to the local folder"
    run = deps.repos.packages.db.fetchone(
        "SELECT artifacts FROM forge_runs WHERE job_id = %s AND step = 'publish'", (job.id,)
    )
    assert run is not None
    assert run["artifacts"]["location"] == f"s3://{BUCKET}/{release}"

    keyset = parse_keyset(read(s3, f"{PREFIX}/keys.json"))
    assert keyset is not None
    assert len(keyset.keys) == 1
    first_list = parse_revocations(read(s3, f"{PREFIX}/revocations.json"))
    assert first_list is not None
    assert first_list.revoked == []
    meta = s3.head_object(Bucket=BUCKET, Key=f"{PREFIX}/revocations.json")  # type: ignore[attr-defined]
    assert meta["ContentType"] == "application/json"
    assert meta["CacheControl"] == "no-cache"

    revocation = revoke_package(deps, job.plugin_package_id, "key material leaked", "admin")
    assert revocation.retracted_releases == 1
    assert keys_in(s3, release) == set()
    body = read(s3, f"{PREFIX}/revocations.json")
    listed = parse_revocations(body)
    assert listed is not None
    assert listed.version == revocation.list_version > first_list.version
    assert [r.slug for r in listed.revoked] == [spec.slug]
    active = deps.repos.keys.active()
    assert active is not None
    assert verify_signature(body, read(s3, f"{PREFIX}/revocations.json.sig"), active.public_pem.encode())

    rotation = rotate_keys(deps)
    keyset = parse_keyset(read(s3, f"{PREFIX}/keys.json"))
    assert keyset is not None
    assert {k.key_id: k.status for k in keyset.keys} == {
        rotation.active.key_id: "active",
        active.key_id: "retired",
    }
    assert read(s3, f"{PREFIX}/keys/{rotation.active.key_id}.pem").decode() == rotation.active.public_pem


def test_republishing_the_same_bytes_is_fine_other_bytes_are_refused(s3: object) -> None:
    market = S3Marketplace(BUCKET, "", client=s3)
    files = {"p-1.0.0.zip": b"zip", "manifest.json": b"{}"}
    first = market.publish("p", "1.0.0", files, "p-1.0.0.zip")
    assert first.uri == f"s3://{BUCKET}/p/1.0.0/"
    assert first.folder is None
    assert market.publish("p", "1.0.0", files, "p-1.0.0.zip") == first
    with pytest.raises(StepFailed, match="already published with different content"):
        market.publish("p", "1.0.0", {**files, "p-1.0.0.zip": b"other"}, "p-1.0.0.zip")
    assert read(s3, "p/1.0.0/p-1.0.0.zip") == b"zip"
    assert market.retract("p", "1.0.0") is True
    assert market.retract("p", "1.0.0") is False
    # A retraction removes one release only, never a neighbour sharing its name as a prefix.
    market.publish("p", "1.0.1", files, "p-1.0.0.zip")
    market.publish("p", "1.0", files, "p-1.0.0.zip")
    market.retract("p", "1.0")
    assert keys_in(s3, "p/") == {"p/1.0.1/p-1.0.0.zip", "p/1.0.1/manifest.json"}


def test_unsafe_names_never_reach_the_bucket(s3: object) -> None:
    market = S3Marketplace(BUCKET, PREFIX, client=s3)
    with pytest.raises(StepFailed, match="unsafe path"):
        market.publish("../other", "1.0.0", {"a.zip": b"x"}, "a.zip")
    with pytest.raises(StepFailed, match="unsafe path"):
        market.write_root_files({"../keys.json": b"{}"})
    assert keys_in(s3, "") == set()


def test_s3_without_a_bucket_is_a_clear_error(forge_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORGE_MARKETPLACE", "s3")
    reset_settings()
    with pytest.raises(ForgeError, match="FORGE_MARKETPLACE_BUCKET"):
        marketplace(get_settings())
    reset_settings()


def test_the_trust_files_are_written_keys_first_and_signature_last(s3: object) -> None:
    written: list[str] = []

    class Recording:
        def put_object(self, **kwargs: object) -> None:
            written.append(str(kwargs["Key"]))

    S3Marketplace(BUCKET, "", client=Recording()).write_root_files(
        {"revocations.json.sig": b"s", "revocations.json": b"r", "keys.json": b"k", "keys/abc.pem": b"p"}
    )
    assert written == ["keys/abc.pem", "keys.json", "revocations.json", "revocations.json.sig"]
