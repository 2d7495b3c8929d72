"""No job stays "running" forever in AWS: every task state of the workflow has a way out to a recorded outcome, and a
scheduled sweeper records the outcome of executions that ended without one (the twin of the local runtime's restart
reconciliation, forge.pipeline.jobs.reconcile)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from forge.db.connection import Database
from forge.db.repositories.jobs import JobRepository
from forge.db.repositories.runs import RunRepository
from forge.local.aws_emulator import LambdaContext
from forge.models.job import JobStatus, RunStatus, Step
from forge.models.spec import load_spec
from infra.schedules import JOB_RECONCILIATION_FUNCTION
from infra.stack import REPO_ROOT
from tests.infra.deployed import (
    ACCOUNT,
    REGION,
    database_secret,
    deployed_environment,
    function_environment,
    load_handler,
)
from tests.infra.synthesis import Synth, actions

EXAMPLE = REPO_ROOT / "examples" / "woocommerce.yaml"


def _definition(synth: Synth) -> dict[str, Any]:
    staged = synth.staged_file_asset(synth.state_machine["DefinitionS3Location"]["Key"])
    return json.loads(staged.read_text())


def test_every_task_state_catches_everything_and_the_recording_states_end_in_a_named_failure(synth: Synth) -> None:
    states = _definition(synth)["States"]
    for name, state in states.items():
        if state["Type"] != "Task":
            continue
        catches = [c for c in state.get("Catch", []) if "States.ALL" in c["ErrorEquals"]]
        assert catches, f"{name} has no Catch for States.ALL: a failure there would end the execution unrecorded"
    # Recording the outcome can itself fail (the database down past the retries): the execution then fails with an
    # error the sweeper and the runbook name, instead of a Lambda error that says nothing of the job.
    for name in ("RecordSuccess", "RecordFailure"):
        (catch,) = states[name]["Catch"]
        target = states[catch["Next"]]
        assert target["Type"] == "Fail", name
        assert target["Error"] == "Forge.OutcomeNotRecorded", name


def test_the_sweeper_runs_on_a_schedule_and_may_only_read_executions(synth: Synth) -> None:
    sweeper = synth.stack.functions.all[JOB_RECONCILIATION_FUNCTION]
    schedules = {
        s["Properties"]["Description"]: s["Properties"] for s in synth.of_type("AWS::Scheduler::Schedule").values()
    }
    schedule = schedules["Plugin Forge: record the outcome of executions that ended without one"]
    assert schedule["ScheduleExpression"] == "rate(10 minutes)"
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": [synth.logical_id(sweeper), "Arn"]}
    statements = synth.statements(synth.logical_id(sweeper.role))
    granted = set().union(*(actions(s) for s in statements))
    assert "states:DescribeExecution" in granted
    assert "secretsmanager:GetSecretValue" in granted
    assert not {a for a in granted if a.startswith(("s3:", "kms:", "states:Send", "states:Start", "states:Stop"))}
    (describe,) = [s for s in statements if "states:DescribeExecution" in actions(s)]
    machine = synth.state_machine["StateMachineName"]
    assert f"execution:{machine}:*" in json.dumps(describe["Resource"])


def _job(db: Database, execution_arn: str | None, *, published: bool, minutes_ago: int) -> uuid.UUID:
    jobs, runs = JobRepository(db), RunRepository(db)
    spec = load_spec(EXAMPLE)
    job, _ = jobs.create(spec.model_copy(update={"version": f"1.0.{uuid.uuid4().int % 1000}"}), "ops", None)
    if execution_arn:
        jobs.started(job.id, execution_arn)
    for step in (Step.GENERATE, Step.PUBLISH) if published else (Step.GENERATE,):
        run, _ = runs.open(job.id, step, f"{job.id}:{step.value}")
        jobs.at_step(job.id, step)
        runs.finish(run.id, RunStatus.SUCCESS, {"summary": "done"})
    if not published:
        runs.open(job.id, Step.BUILD, f"{job.id}:build")
        jobs.at_step(job.id, Step.BUILD)
    # The sweeper leaves alone what changed a moment ago (a retry between reopen and start, a step just recorded).
    db.execute(
        "ALTER TABLE forge_jobs DISABLE TRIGGER forge_jobs_updated_at; "
        "UPDATE forge_jobs SET updated_at = now() - %s WHERE id = %s; "
        "ALTER TABLE forge_jobs ENABLE TRIGGER forge_jobs_updated_at",
        (timedelta(minutes=minutes_ago), job.id),
    )
    return job.id


def test_the_sweeper_records_the_outcome_of_executions_that_ended_without_one(
    synth: Synth, db: Database, db_dsn: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with mock_aws():
        import boto3

        sfn = boto3.client("stepfunctions", region_name=REGION)
        machine = sfn.create_state_machine(
            name="PluginForge-workflow",
            definition=json.dumps({"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}}),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn",
        )["stateMachineArn"]

        def execution(name: str, *, ended: bool) -> str:
            arn = sfn.start_execution(stateMachineArn=machine, name=name)["executionArn"]
            if ended:
                sfn.stop_execution(executionArn=arn, error="States.Timeout", cause="the execution timed out")
            return arn

        # Published, then RecordSuccess failed: the release is out, the job must say success.
        published = _job(db, execution("published", ended=True), published=True, minutes_ago=30)
        # The execution was stopped (or timed out) mid-build: the job fails, saying how it ended.
        stopped = _job(db, execution("stopped", ended=True), published=False, minutes_ago=30)
        running = _job(db, execution("running", ended=False), published=False, minutes_ago=30)
        just_now = _job(db, execution("just-now", ended=True), published=False, minutes_ago=0)
        never_started = _job(db, None, published=False, minutes_ago=30)

        secrets = boto3.client("secretsmanager", region_name=REGION)
        secret_ref = synth.stack.resolve(synth.stack.database.secret.secret_arn)["Ref"]
        secret = secrets.create_secret(Name="forge-db", SecretString=json.dumps(database_secret(db_dsn)))["ARN"]
        bucket_ref = synth.stack.resolve(synth.stack.artifacts.bucket.bucket_name)["Ref"]
        environment = function_environment(synth, JOB_RECONCILIATION_FUNCTION, {secret_ref: secret, bucket_ref: "b"})
        with deployed_environment(monkeypatch, environment, tmp_path / "home"):
            context = LambdaContext("reconcile", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:reconcile")
            result = load_handler(JOB_RECONCILIATION_FUNCTION).handler({"reason": "scheduled"}, context)

    jobs, runs = JobRepository(db), RunRepository(db)
    assert result == {"succeeded": 1, "failed": 2}
    assert jobs.get(published).status is JobStatus.SUCCESS
    failed = jobs.get(stopped)
    assert failed.status is JobStatus.FAILED, failed.error
    assert "ABORTED" in (failed.error or ""), failed.error
    assert all(r.status is not RunStatus.RUNNING for r in runs.for_job(stopped))
    assert jobs.get(running).status is JobStatus.RUNNING
    assert jobs.get(just_now).status is JobStatus.RUNNING
    assert jobs.get(never_started).status is JobStatus.FAILED
