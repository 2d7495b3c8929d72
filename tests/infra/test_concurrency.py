"""FORGE_WORKER_CONCURRENCY in AWS: reserved concurrency on each step Lambda, throttles retried by the workflow."""

from __future__ import annotations

import json

from infra.concurrency import UNLIMITED_STEPS
from infra.context import ForgeContext
from infra.functions import API, LIGHT_STEPS
from infra.stack import REPO_ROOT
from tests.infra.synthesis import Synth


def test_every_working_step_lambda_reserves_the_worker_concurrency(synth: Synth) -> None:
    limit = ForgeContext().worker_concurrency
    # Test is a Fargate task since issue 11 (no Lambda runs plugin code).
    assert set(LIGHT_STEPS) - UNLIMITED_STEPS == {"generate", "package", "sign", "publish"}
    for step in LIGHT_STEPS:
        props = synth.resources[synth.logical_id(synth.stack.functions.steps[step])]["Properties"]
        assert props["Environment"]["Variables"]["FORGE_WORKER_CONCURRENCY"] == str(limit), step
        if step in UNLIMITED_STEPS:
            # Recording a failure or opening an approval request must never be throttled.
            assert "ReservedConcurrentExecutions" not in props, step
        else:
            assert props["ReservedConcurrentExecutions"] == limit, step
    # The API answers people: throttling it to the worker count would turn a busy pipeline into 429s.
    api = synth.resources[synth.logical_id(synth.stack.functions.all[API])]["Properties"]
    assert "ReservedConcurrentExecutions" not in api


def test_every_lambda_task_retries_a_throttle() -> None:
    """A step beyond its reserved concurrency is throttled; the workflow must wait and retry, not fail the job."""
    states = json.loads((REPO_ROOT / "statemachine" / "forge.asl.json").read_text())["States"]
    lambda_tasks = {
        name: state
        for name, state in states.items()
        if state.get("Type") == "Task" and state["Resource"].startswith("arn:aws:states:::lambda:invoke")
    }
    assert len(lambda_tasks) >= len(LIGHT_STEPS)
    for name, state in lambda_tasks.items():
        retried = {error for retry in state.get("Retry", []) for error in retry["ErrorEquals"]}
        assert "Lambda.TooManyRequestsException" in retried, name
