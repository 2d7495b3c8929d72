"""The demo flow through the real definition, a build failure, cancellation, and restart reconciliation."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest

from forge.cli.client import ApiError, spec_payload
from forge.config import get_settings
from forge.db.connection import Database
from forge.generation.template_provider import TemplateProvider
from forge.local.runtime import LocalRuntime
from forge.signing.release_check import check_release
from tests.e2e.conftest import EXAMPLE, client_for, entered_states, wait_for
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

HAPPY_PATH = [
    "ResumeAt",
    "Generate",
    "Build",
    "Test",
    "Sandbox",
    "Package",
    "Sign",
    "WaitForApprovals",
    "Publish",
    "RecordSuccess",
]


def execution_status(execution_arn: str, until: str) -> str:
    """The execution's status once it is `until` or has ended otherwise."""
    sfn = boto3.client("stepfunctions")
    return wait_until(
        lambda: str(sfn.describe_execution(executionArn=execution_arn)["status"]),
        lambda status: status in (until, "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"),
        what=f"execution {until}",
    )


def db() -> Database:
    return Database(get_settings().database_url or "")


def test_demo_flow_publishes_a_verifiable_package(runtime: LocalRuntime) -> None:
    ops = client_for(runtime, "erin")
    job = ops.submit(spec_payload(EXAMPLE))
    assert job["status"] == "running"
    detail = wait_for(ops, job["id"], ("awaiting_approval", "failed", "cancelled"))
    assert detail["job"]["status"] == "awaiting_approval", detail["job"]["error"]
    request_id = detail["approval_request"]["id"]

    with pytest.raises(ApiError) as own:
        ops.decide(request_id, True)
    assert own.value.status == 403
    first = client_for(runtime, "alice").decide(request_id, True, "looks right")
    assert first["released"] is False
    assert first["request"]["status"] == "pending"
    with pytest.raises(ApiError) as twice:
        client_for(runtime, "alice").decide(request_id, True)
    assert twice.value.status == 409
    second = client_for(runtime, "bob").decide(request_id, True)
    assert second["released"] is True
    assert second["request"]["status"] == "approved"

    detail = wait_for(ops, job["id"], ("success", "failed"))
    assert detail["job"]["status"] == "success", detail["job"]["error"]
    assert entered_states(detail["job"]["execution_arn"]) == [*HAPPY_PATH, "Published"]
    assert [r["step"] for r in detail["runs"]] == [
        "generate",
        "build",
        "test",
        "sandbox",
        "package",
        "sign",
        "approval",
        "publish",
    ]
    assert all(r["status"] == "success" and r["duration_ms"] is not None for r in detail["runs"])

    database = db()
    package_id = detail["job"]["package_id"]
    package = database.fetchone("SELECT * FROM plugin_packages WHERE id = %s", (package_id,))
    assert package["status"] == "published"
    assert package["signature"]
    assert len(package["zip_sha256"]) == 64
    key = database.fetchone("SELECT * FROM signing_keys WHERE key_id = %s", (package["signing_key_id"],))
    assert key["status"] == "active"
    assert "BEGIN PUBLIC KEY" in key["public_pem"]
    approvals = database.fetchall(
        "SELECT approver_id, approved FROM forge_approvals WHERE plugin_package_id = %s ORDER BY approver_id",
        (package_id,),
    )
    assert [(a["approver_id"], a["approved"]) for a in approvals] == [("alice", True), ("bob", True)]
    assert database.fetchone("SELECT has_minimum_approvals(%s, 2) AS ok", (package_id,))["ok"]
    publication = database.fetchone("SELECT * FROM plugin_publications WHERE plugin_package_id = %s", (package_id,))
    assert publication["publication_status"] == "published"
    tests = database.fetchall("SELECT result FROM plugin_contract_tests WHERE plugin_package_id = %s", (package_id,))
    assert tests
    assert all(t["result"] == "pass" for t in tests)
    compat = database.fetchone("SELECT * FROM plugin_compatibilities WHERE plugin_package_id = %s", (package_id,))
    assert compat["test_result"] == "pass"
    assert (
        database.fetchone("SELECT count(*) AS n FROM sira_generation_audit WHERE job_id = %s", (job["id"],))["n"] == 1
    )

    folder = Path(next(r for r in detail["runs"] if r["step"] == "publish")["artifacts"]["folder"])
    report = check_release(folder)
    assert report.ok, report.checks
    zip_name = f"{report.manifest['slug']}-{report.manifest['version']}.zip"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            *[zip_name, "SHA256SUMS", "manifest.json", "manifest.json.sig", "signing-key.pem"],
            *[zip_name.removesuffix(".zip") + ".cdx.json", "provenance.intoto.json"],
            *["release-statement.json", "release-statement.json.sig"],
        ]
    )
    # What a merchant runs, with nothing of the forge installed.
    openssl = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            "signing-key.pem",
            "-signature",
            "manifest.json.sig",
            "manifest.json",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert openssl.returncode == 0
    assert "Verified OK" in openssl.stdout
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert sums.returncode == 0
    assert json.loads((folder / "manifest.json").read_text())["zip_sha256"] == package["zip_sha256"]


def test_php_syntax_error_fails_the_job_at_build(runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
    real = TemplateProvider.generate

    def broken(self: TemplateProvider, spec):
        result = real(self, spec)
        tree = dict(result.tree)
        tree["includes/broken.php"] = b"<?php\nfunction broken( {\n"
        return type(result)(tree, result.provider, result.model_version, result.prompt, result.response)

    monkeypatch.setattr(TemplateProvider, "generate", broken)
    ops = client_for(runtime, "erin")
    job = ops.submit(spec_payload(EXAMPLE))
    detail = wait_for(ops, job["id"], ("failed", "success", "awaiting_approval"))
    assert detail["job"]["status"] == "failed"
    assert detail["job"]["current_step"] == "build"
    build = [r for r in detail["runs"] if r["step"] == "build"]
    assert build
    assert build[-1]["status"] == "failed"
    assert "broken.php" in build[-1]["error"]
    logs = {r["step"]: r["text"] for r in ops.logs(job["id"])["runs"]}
    assert "Parse error" in logs["build"]
    assert "broken.php" in logs["build"]
    assert [r["step"] for r in detail["runs"]] == ["generate", "build"]
    states = entered_states(detail["job"]["execution_arn"])
    assert states[-2:] == ["RecordFailure", "JobFailed"]
    assert "Test" not in states
    assert execution_status(detail["job"]["execution_arn"], until="FAILED") == "FAILED"


def test_cancel_stops_the_execution(runtime: LocalRuntime) -> None:
    ops = client_for(runtime, "erin")
    job = ops.submit(spec_payload(EXAMPLE))
    detail = wait_for(ops, job["id"], ("awaiting_approval", "failed"))
    assert detail["job"]["status"] == "awaiting_approval"
    cancelled = ops.cancel(job["id"])
    assert cancelled["status"] == "cancelled"
    assert execution_status(detail["job"]["execution_arn"], until="ABORTED") == "ABORTED"
    detail = ops.job(job["id"])
    assert detail["approval_request"]["status"] == "cancelled"
    assert all(r["status"] != "running" for r in detail["runs"])
    with pytest.raises(ApiError) as again:
        ops.cancel(job["id"])
    assert again.value.status == 409


def test_cancel_during_a_container_step_stops_its_task(runtime: LocalRuntime) -> None:
    """Build, Test and Sandbox run as ECS tasks: cancelling then stops the task too, through the emulator, which
    answers only requests signed with the run's credentials (it answered the API's StopTask with a 500)."""
    ops = client_for(runtime, "erin")
    job = ops.submit(spec_payload(EXAMPLE))
    container_steps = ("build", "test", "sandbox")
    wait_until(
        lambda: ops.job(job["id"]),
        lambda detail: any(r["step"] in container_steps and r["status"] == "running" for r in detail["runs"]),
        what="a container step running",
    )
    cancelled = ops.cancel(job["id"])
    assert cancelled["status"] == "cancelled"
    detail = ops.job(job["id"])
    assert all(r["status"] != "running" for r in detail["runs"])


def test_rejection_fails_the_job_with_the_reason(runtime: LocalRuntime) -> None:
    ops = client_for(runtime, "erin")
    job = ops.submit(spec_payload(EXAMPLE))
    detail = wait_for(ops, job["id"], ("awaiting_approval", "failed"))
    rejected = client_for(runtime, "alice").decide(detail["approval_request"]["id"], False, "wrong brand colours")
    assert rejected["released"] is True
    assert rejected["request"]["status"] == "rejected"
    detail = wait_for(ops, job["id"], ("failed", "success"))
    assert detail["job"]["status"] == "failed"
    assert "wrong brand colours" in detail["job"]["error"]
    assert detail["package"]["status"] == "rejected"
    assert execution_status(detail["job"]["execution_arn"], until="FAILED") == "FAILED"
    approval = [r for r in detail["runs"] if r["step"] == "approval"][-1]
    assert approval["status"] == "failed"
    assert "rejected by alice" in approval["error"]


def test_retry_resumes_at_the_failed_step(runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
    from forge.errors import StepFailed
    from forge.models.job import Step
    from forge.pipeline.container import reporter

    # The Test step's checks run in bubblewrap since issue 11; the flake is injected where its trusted half records.
    real = reporter.record_report

    def flaky(ctx: Any, report: Any) -> Any:
        if ctx.step is Step.TEST:
            raise StepFailed("flaky runner")
        return real(ctx, report)

    monkeypatch.setattr(reporter, "record_report", flaky)
    ops = client_for(runtime, "erin")
    job = ops.submit(spec_payload(EXAMPLE))
    detail = wait_for(ops, job["id"], ("failed", "awaiting_approval"))
    assert detail["job"]["status"] == "failed"
    assert "flaky runner" in detail["job"]["error"]
    with pytest.raises(ApiError) as not_failed:
        ops.retry("00000000-0000-4000-8000-000000000000")
    assert not_failed.value.status == 404

    monkeypatch.setattr(reporter, "record_report", real)
    retried = ops.retry(job["id"])
    assert retried["status"] == "running"
    detail = wait_for(ops, job["id"], ("awaiting_approval", "failed"))
    assert detail["job"]["status"] == "awaiting_approval", detail["job"]["error"]
    steps = [(r["step"], r["attempt"], r["status"]) for r in detail["runs"]]
    assert steps[:3] == [("generate", 1, "success"), ("build", 1, "success"), ("test", 1, "failed")]
    assert ("test", 2, "success") in steps
    assert ("generate", 2, "success") not in steps
    assert entered_states(detail["job"]["execution_arn"])[:2] == ["ResumeAt", "Test"]
    with pytest.raises(ApiError) as busy:
        ops.retry(job["id"])
    assert busy.value.status == 409
    ops.cancel(job["id"])
