"""The ">20 min" job duration SLO measures the pipeline, not the humans: forge_jobs_duration_seconds is the time the
steps took without the approval wait, and the same metric per step carries the seed's `step` label."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from forge.db.connection import Database
from forge.db.repositories.jobs import JobRepository
from forge.db.repositories.runs import RunRepository
from forge.local.aws_emulator import LambdaContext
from forge.models.job import PIPELINE, RunStatus, Step
from forge.models.spec import load_spec
from infra.observability import SLOS
from infra.stack import REPO_ROOT
from tests.infra.deployed import (
    ACCOUNT,
    REGION,
    database_secret,
    deployed_environment,
    function_environment,
    load_handler,
)
from tests.infra.synthesis import Synth

EXAMPLE = REPO_ROOT / "examples" / "woocommerce.yaml"
# A normal job: a couple of minutes of work per step, and approvers who answer three hours later.
STEP_MINUTES = {step: 2 for step in PIPELINE if step is not Step.APPROVAL} | {Step.APPROVAL: 180}


def _emitted(out: str) -> list[tuple[str, dict[str, str], float]]:
    """(metric, dimensions, value) of every EMF document printed."""
    found = []
    for line in out.splitlines():
        if not (line.startswith("{") and "_aws" in line):
            continue
        doc = json.loads(line)
        directive = doc["_aws"]["CloudWatchMetrics"][0]
        for metric in directive["Metrics"]:
            dimensions = {d: doc[d] for d in directive["Dimensions"][0]}
            raw = doc[metric["Name"]]
            found.append((metric["Name"], dimensions, float(raw[0] if isinstance(raw, list) else raw)))
    return found


def _finished_job(db: Database) -> Any:
    jobs, runs = JobRepository(db), RunRepository(db)
    job, _ = jobs.create(load_spec(EXAMPLE), "ops", None)
    jobs.started(job.id, f"arn:aws:states:{REGION}:{ACCOUNT}:execution:PluginForge-workflow:{job.id}")
    for step, minutes in STEP_MINUTES.items():
        run, _ = runs.open(job.id, step, f"{job.id}:{step.value}")
        runs.finish(run.id, RunStatus.SUCCESS, {"summary": "ok"})
        db.execute(
            "UPDATE forge_runs SET started_at = finished_at - %s WHERE id = %s", (timedelta(minutes=minutes), run.id)
        )
    total = sum(STEP_MINUTES.values())
    db.execute("UPDATE forge_jobs SET started_at = now() - %s WHERE id = %s", (timedelta(minutes=total), job.id))
    return job


def test_the_job_duration_slo_excludes_the_approval_wait_and_is_also_measured_per_step(
    synth: Synth, db: Database, db_dsn: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any
) -> None:
    job = _finished_job(db)
    with mock_aws():
        secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="forge-db", SecretString=json.dumps(database_secret(db_dsn))
        )["ARN"]
        secret_ref = synth.stack.resolve(synth.stack.database.secret.secret_arn)["Ref"]
        bucket_ref = synth.logical_id(synth.stack.artifacts.bucket)
        environment = function_environment(synth, "finish", {secret_ref: secret, bucket_ref: "artifacts"})
        with deployed_environment(monkeypatch, environment, tmp_path / "home"):
            context = LambdaContext("finish", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:finish")
            capsys.readouterr()
            load_handler("finish").handler({"job_id": str(job.id), "outcome": "success"}, context)
            emitted = _emitted(capsys.readouterr().out)

    durations = {dims.get("step"): value for name, dims, value in emitted if name == "forge_jobs_duration_seconds"}
    working = sum(m for s, m in STEP_MINUTES.items() if s is not Step.APPROVAL) * 60
    # The SLO metric (dimension `service` only, what the alarm reads): the pipeline's own time, a few seconds aside.
    assert abs(durations[None] - working) < 60, durations
    for step, minutes in STEP_MINUTES.items():
        assert abs(durations[step.value] - minutes * 60) < 5, (step, durations)


def test_the_duration_alarm_reads_the_pipeline_metric(synth: Synth) -> None:
    alarms = {
        a["Properties"]["AlarmDescription"]: a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()
    }
    alarm = alarms[SLOS["job_duration"].description]
    assert alarm["MetricName"] == "forge_jobs_duration_seconds"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "plugin-forge"}]
    assert "approval" in alarm["AlarmDescription"]
    assert alarm["Threshold"] == 20 * 60


def test_the_dashboard_shows_the_time_per_step(synth: Synth) -> None:
    (dashboard,) = synth.of_type("AWS::CloudWatch::Dashboard").values()
    # The body is a Fn::Join of JSON text around CloudFormation references: its literal parts, joined, are JSON enough.
    body = "".join(p for p in dashboard["Properties"]["DashboardBody"]["Fn::Join"][1] if isinstance(p, str))
    assert "Average time per step" in body
    for step in PIPELINE:
        assert f'"forge_jobs_duration_seconds","service","plugin-forge","step","{step.value}"' in body, step
