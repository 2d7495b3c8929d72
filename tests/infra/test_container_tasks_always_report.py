"""A Fargate step always answers its task token: the trusted reporter heartbeats while the step runs, a failure to set
up is reported like any other failure, and a task that dies before reporting (image pull failure, OOM kill) is failed
by the EventBridge rule on ECS "Task State Change" (STOPPED) with the stop reason, instead of the state waiting out its
30-minute timeout."""

from __future__ import annotations

import json
import runpy
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from forge.local.aws_emulator import LambdaContext
from forge.pipeline.container import reporter
from forge.workflow.client import StepFunctionsWorkflow
from infra.stack import REPO_ROOT
from infra.task_events import TASK_STOPPED_FUNCTION
from tests.infra.deployed import (
    ACCOUNT,
    REGION,
    container_environment,
    deployed_environment,
    function_environment,
    load_handler,
)
from tests.infra.synthesis import Synth, actions
from tests.waiting import wait_until

FARGATE_STEPS = ("Build", "Test", "Sandbox")


def _states(synth: Synth) -> dict[str, Any]:
    staged = synth.staged_file_asset(synth.state_machine["DefinitionS3Location"]["Key"])
    return json.loads(staged.read_text())["States"]


def test_the_container_states_expect_the_heartbeats_the_reporter_sends(synth: Synth) -> None:
    states = _states(synth)
    for name in FARGATE_STEPS:
        state = states[name]
        assert state["Resource"].endswith("ecs:runTask.waitForTaskToken")
        heartbeat = state["HeartbeatSeconds"]
        assert heartbeat < state["TimeoutSeconds"]
        # At least three beats per window: one lost call to Step Functions does not fail a healthy step.
        assert heartbeat >= reporter.HEARTBEAT_SECONDS * 3, name


def test_a_stopped_task_of_this_cluster_invokes_the_function_that_fails_its_token(synth: Synth) -> None:
    function = synth.stack.functions.all[TASK_STOPPED_FUNCTION]
    (rule,) = synth.of_type("AWS::Events::Rule").values()
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.ecs"]
    assert pattern["detail-type"] == ["ECS Task State Change"]
    cluster = synth.stack.resolve(synth.stack.containers.cluster.cluster_arn)
    assert pattern["detail"] == {"clusterArn": [cluster], "lastStatus": ["STOPPED"]}
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [synth.logical_id(function), "Arn"]}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 2
    statements = synth.statements(synth.logical_id(function.role))
    granted = set().union(*(actions(s) for s in statements))
    # It answers tasks of this state machine and reads nothing: no database, no bucket, no key.
    assert "states:SendTaskFailure" in granted
    assert not {a for a in granted if a.startswith(("s3:", "kms:", "secretsmanager:", "states:Start"))}, granted
    (send,) = [s for s in statements if "states:SendTaskFailure" in actions(s)]
    assert synth.state_machine["StateMachineName"] in json.dumps(send["Resource"])
    props = synth.resources[synth.logical_id(function)]["Properties"]
    assert "FORGE_DATABASE_SECRET_ARN" not in props["Environment"]["Variables"]


@dataclass
class Waiting:
    """A moto execution waiting on a task token, as a container state does (the token arrives through SQS, the one
    callback integration moto's engine runs without a container)."""

    sfn: Any
    execution_arn: str
    token: str

    # What the workflow was told, as sent (moto's engine keeps a failure's error but drops its cause).
    sent: list[tuple[str, str, str]]

    def ended(self) -> dict[str, Any]:
        described = wait_until(
            lambda: self.sfn.describe_execution(executionArn=self.execution_arn),
            lambda d: d["status"] != "RUNNING",
        )
        history = self.sfn.get_execution_history(executionArn=self.execution_arn)["events"]
        failed = [e for e in history if e["type"] == "TaskFailed"]
        causes = [cause for token, _error, cause in self.sent if token == self.token]
        return {
            "status": described["status"],
            "error": failed[-1]["taskFailedEventDetails"]["error"] if failed else None,
            "cause": causes[-1] if causes else None,
            "timed_out": [e["type"] for e in history if e["type"] == "TaskTimedOut"],
        }


@pytest.fixture
def waiting(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Waiting]:
    heartbeat = getattr(request, "param", 300)
    sent: list[tuple[str, str, str]] = []
    send_failure = StepFunctionsWorkflow.send_failure

    def recorded(self: StepFunctionsWorkflow, task_token: str, error: str, cause: str) -> None:
        sent.append((task_token, error, cause))
        send_failure(self, task_token, error, cause)

    monkeypatch.setattr(StepFunctionsWorkflow, "send_failure", recorded)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        queue = sqs.create_queue(QueueName="tokens")["QueueUrl"]
        state = {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": queue, "MessageBody.$": "$$.Task.Token"},
            "HeartbeatSeconds": heartbeat,
            "TimeoutSeconds": 1800,
            "End": True,
        }
        machine = sfn.create_state_machine(
            name="PluginForge-workflow",
            definition=json.dumps({"StartAt": "Build", "States": {"Build": state}}),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn",
        )["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=machine)["executionArn"]
        message = wait_until(lambda: sqs.receive_message(QueueUrl=queue).get("Messages"), bool)
        yield Waiting(sfn, execution, message[0]["Body"], sent)


def _stopped_task_event(token: str, reason: str) -> dict[str, Any]:
    """What EventBridge delivers for a task ECS stopped: the task's description (moto's), as the event's detail."""
    ecs = boto3.client("ecs", region_name=REGION)
    cluster = ecs.create_cluster(clusterName="forge")["cluster"]["clusterArn"]
    definition = ecs.register_task_definition(
        family="build", containerDefinitions=[{"name": "build", "image": "forge/build", "memory": 2048}]
    )["taskDefinition"]["taskDefinitionArn"]
    environment = [{"name": "FORGE_STEP", "value": "build"}, {"name": "FORGE_TASK_TOKEN", "value": token}]
    task = ecs.run_task(
        cluster=cluster,
        taskDefinition=definition,
        launchType="FARGATE",
        overrides={"containerOverrides": [{"name": "build", "environment": environment}]},
    )["tasks"][0]
    ecs.stop_task(cluster=cluster, task=task["taskArn"], reason=reason)
    (detail,) = ecs.describe_tasks(cluster=cluster, tasks=[task["taskArn"]])["tasks"]
    detail = json.loads(json.dumps(detail, default=str))
    detail["stopCode"] = "EssentialContainerExited"
    return {"version": "0", "source": "aws.ecs", "detail-type": "ECS Task State Change", "detail": detail}


def test_a_task_killed_before_it_reported_fails_its_state_with_the_stop_reason(
    synth: Synth, waiting: Waiting, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environment = function_environment(
        synth, TASK_STOPPED_FUNCTION, {synth.logical_id(synth.stack.artifacts.bucket): "artifacts"}
    )
    event = _stopped_task_event(waiting.token, "OutOfMemoryError: Container killed due to memory usage")
    context = LambdaContext("task-stopped", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:task-stopped")
    with deployed_environment(monkeypatch, environment, tmp_path / "home"):
        handler = load_handler(TASK_STOPPED_FUNCTION).handler
        assert handler(event, context) == {"outcome": "failed"}
        ended = waiting.ended()
        assert ended["status"] == "FAILED", ended
        assert ended["error"] == "Forge.TaskStopped", ended
        assert "OutOfMemoryError: Container killed due to memory usage" in ended["cause"]
        # The reporter had already answered (the usual case: every task stops after reporting): nothing to do.
        answered = _stopped_task_event("token-of-an-answered-task", "Essential container in task exited")
        assert handler(answered, context) == {"outcome": "already answered"}
        # A task the forge did not start with a token (none in its overrides) is not the forge's business.
        stray = _stopped_task_event("", "Scaling activity")
        stray["detail"]["overrides"]["containerOverrides"][0]["environment"] = []
        assert handler(stray, context) == {"outcome": "no task token"}


def _run_task_main(step: str, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], home: Path) -> int:
    """functions/<step>/task.py as the container's ENTRYPOINT runs it (`python functions/<step>/task.py`)."""
    with deployed_environment(monkeypatch, environment, home):
        try:
            runpy.run_path(str(REPO_ROOT / "functions" / step / "task.py"), run_name="__main__")
        except SystemExit as done:
            return int(done.code or 0)
    return 0


def _task_environment(synth: Synth, step: str, token: str) -> dict[str, str]:
    secret_ref = synth.stack.resolve(synth.stack.database.secret.secret_arn)["Ref"]
    missing = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:forge-db-gone-AbCdEf"
    environment = container_environment(
        synth, step, {secret_ref: missing, synth.logical_id(synth.stack.artifacts.bucket): "artifacts"}
    )
    # What the ASL's ContainerOverrides add (statemachine/forge.asl.json, state Build).
    return {
        **environment,
        "FORGE_STEP": step,
        "FORGE_JOB_ID": "7d3f1a52-0c8e-4f4e-9a53-6a1c2f0b9e11",
        "FORGE_DELIVERY": "job:r0:0",
        "FORGE_TASK_TOKEN": token,
    }


def test_a_task_that_cannot_set_up_reports_the_failure(
    synth: Synth, waiting: Waiting, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The database secret cannot be read (deleted, or its endpoint unreachable): the reporter cannot build its
    # dependencies, and must still answer with what went wrong.
    code = _run_task_main("build", monkeypatch, _task_environment(synth, "build", waiting.token), tmp_path / "home")
    ended = waiting.ended()
    assert ended["status"] == "FAILED"
    assert code == 0
    assert "Secrets Manager can't find the specified secret" in ended["cause"], ended


@pytest.mark.parametrize("waiting", [2], indirect=True)
def test_the_reporter_heartbeats_while_the_step_runs(
    synth: Synth, waiting: Waiting, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A state with HeartbeatSeconds 2 survives a 4-second step because the reporter beats every half second."""
    monkeypatch.setattr(reporter, "HEARTBEAT_SECONDS", 0.5)

    def slow_setup() -> Any:
        time.sleep(4)
        raise RuntimeError("setup gave up after 4 s")

    monkeypatch.setattr("forge.wiring.default_deps", slow_setup)
    _run_task_main("build", monkeypatch, _task_environment(synth, "build", waiting.token), tmp_path / "home")
    ended = waiting.ended()
    assert not ended["timed_out"], ended  # without beats: TaskTimedOut (States.HeartbeatTimeout) after 2 s
    assert ended["error"] == "RuntimeError", ended
    assert "setup gave up after 4 s" in ended["cause"], ended
