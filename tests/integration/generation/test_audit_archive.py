"""FORGE_AUDIT_BUCKET: each generation prompt and response is also an object in the Object Lock bucket, named
in the chained row's metadata. S3 is moto; Postgres and the steps are real."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from forge.artifacts.s3 import S3ArtifactStore
from forge.config import reset_settings
from forge.db.connection import Database
from forge.db.repositories.audit import AuditRepository
from forge.errors import TransientError
from forge.generation.audit_trail import AuditTrail
from forge.models.job import Step, StepEvent
from forge.models.spec import load_spec
from forge.pipeline.bookkeeping import run_step
from forge.pipeline.steps.generate import generate

BUCKET = "forge-audit-test"
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "woocommerce.yaml"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
        client.put_object_lock_configuration(
            Bucket=BUCKET,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
            },
        )
        yield client


def test_each_row_names_its_object_and_the_object_holds_prompt_and_response(db: Database, s3: object) -> None:
    repo = AuditRepository(db)
    AuditTrail(repo, S3ArtifactStore(BUCKET, client=s3)).record(
        None, "openai", "m-1", "the prompt", "the response", {"attempt": 0}
    )
    row = db.fetchall("SELECT * FROM sira_generation_audit ORDER BY id DESC LIMIT 1")[0]
    key = row["metadata"]["archive_key"]
    assert key.startswith("generation/no-job/")
    assert row["metadata"]["attempt"] == 0
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()  # type: ignore[attr-defined]
    assert key.endswith(f"/{hashlib.sha256(body).hexdigest()}.json")
    stored = json.loads(body)
    assert (stored["prompt"], stored["response"], stored["model_version"]) == ("the prompt", "the response", "m-1")
    assert stored["response_sha256"] == row["response_hash"]
    assert stored["prompt_sha256"] == row["prompt_hash"]
    # The key is inside what the chain hashes: the database stays the source of truth and still verifies.
    assert repo.verify().ok


def test_a_failed_object_write_fails_the_audit_and_writes_no_row(db: Database, s3: object) -> None:
    trail = AuditTrail(AuditRepository(db), S3ArtifactStore("no-such-bucket", client=s3))
    before = db.fetchone("SELECT count(*) AS n FROM sira_generation_audit")["n"]  # type: ignore[index]
    with pytest.raises(TransientError, match="could not write the generation audit object"):
        trail.record(None, "openai", "m-1", "p", "r", {})
    assert db.fetchone("SELECT count(*) AS n FROM sira_generation_audit")["n"] == before  # type: ignore[index]


def test_the_generate_step_archives_when_the_bucket_is_configured(
    forge_env: Path, s3: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from forge.wiring import default_deps, reset_deps

    monkeypatch.setenv("FORGE_AUDIT_BUCKET", BUCKET)
    reset_settings()
    reset_deps()
    try:
        deps = default_deps()
        job, _ = deps.repos.jobs.create(load_spec(EXAMPLE), "tester", None)
        run_step(deps, Step.GENERATE, StepEvent(job_id=job.id, delivery="test:generate"), generate)
        rows = deps.repos.audit.for_job(job.id)
        assert rows, "the template provider audits too"
        listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"generation/{job.id}/")  # type: ignore[attr-defined]
        assert sorted(o["Key"] for o in listed["Contents"]) == sorted(r["metadata"]["archive_key"] for r in rows)
        head = s3.head_object(Bucket=BUCKET, Key=rows[0]["metadata"]["archive_key"])  # type: ignore[attr-defined]
        assert head["ObjectLockMode"] == "COMPLIANCE"
    finally:
        reset_deps()
        reset_settings()
