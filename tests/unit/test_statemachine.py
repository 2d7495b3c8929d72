"""The one workflow definition: lint, substitutions, and the shape the pipeline relies on."""

from __future__ import annotations

import json

from forge.local.runtime import local_substitutions
from forge.paths import function_dir
from forge.workflow.definition import placeholders, states, substitute


def test_every_placeholder_has_a_local_substitution() -> None:
    assert placeholders() == set(local_substitutions())
    json.loads(substitute(local_substitutions()))


def test_every_task_has_a_catch_to_record_failure_except_the_recorders() -> None:
    for name, state in states().items():
        if state["Type"] != "Task" or name in ("RecordFailure", "RecordSuccess"):
            continue
        assert state["Catch"][0]["ErrorEquals"] == ["States.ALL"], name
        expected = "RepairOrFail" if name in ("Generate", "Build", "Test") else "RecordFailure"
        assert state["Catch"][0]["Next"] == expected, name
        assert any("TransientError" in r["ErrorEquals"] for r in state["Retry"]), name


def test_approval_waits_for_the_task_token_with_a_timeout() -> None:
    wait = states()["WaitForApprovals"]
    assert wait["Resource"].endswith(".waitForTaskToken")
    assert wait["TimeoutSecondsPath"] == "$.approval_timeout_seconds"
    assert wait["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token"


def test_order_of_steps() -> None:
    s = states()
    chain, name = [], "Generate"
    while name in s and s[name]["Type"] == "Task":
        chain.append(name)
        name = s[name]["Next"]
    assert chain == [
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
    # Every step that runs tools over plugin code, or the plugin itself, is a Fargate task (Test since issue 11).
    for name in ("Build", "Test", "Sandbox"):
        assert s[name]["Resource"] == "arn:aws:states:::ecs:runTask.waitForTaskToken", name


def test_every_function_named_by_the_definition_exists() -> None:
    for placeholder in placeholders():
        if placeholder.endswith("FunctionArn"):
            name = placeholder.removesuffix("FunctionArn").lower()
            assert (function_dir(name) / "handler.py").is_file(), name
        if placeholder.endswith("TaskDefinitionArn"):
            name = placeholder.removesuffix("TaskDefinitionArn").lower()
            assert (function_dir(name) / "entrypoint.py").is_file(), name


def test_repair_loop_goes_back_to_generate_only_for_an_llm_with_repairs_left() -> None:
    s = states()
    choice = s["RepairOrFail"]
    assert choice["Type"] == "Choice"
    assert choice["Default"] == "RecordFailure"
    (rule,) = choice["Choices"]
    assert rule["Next"] == "CountRepair"
    conditions = rule["And"]
    assert {"Not": {"Variable": "$.generation.provider", "StringEquals": "template"}} in conditions
    assert {"Variable": "$.failure.Error", "StringEquals": "StepFailed"} in conditions
    assert {"Variable": "$.generation.attempt", "NumericLessThanPath": "$.generation.max_repairs"} in conditions
    count = s["CountRepair"]
    assert count["Next"] == "Generate"
    assert count["ResultPath"] == "$.generation"
    assert count["Parameters"]["attempt.$"] == "States.MathAdd($.generation.attempt, 1)"


def test_each_repair_attempt_gets_its_own_delivery_key() -> None:
    """Otherwise a second Build in the same execution would find the first, failed run and reuse it."""
    s = states()
    deliveries = [s["Generate"]["Parameters"]["Payload"]["delivery.$"]]
    for name in ("Build", "Test"):
        env = s[name]["Parameters"]["Overrides"]["ContainerOverrides"][0]["Environment"]
        deliveries.append(next(e["Value.$"] for e in env if e["Name"] == "FORGE_DELIVERY"))
    assert all("$.generation.attempt" in d for d in deliveries), deliveries


def test_a_throttled_lambda_step_waits_for_a_worker_instead_of_failing_the_job() -> None:
    # Reserved concurrency (FORGE_WORKER_CONCURRENCY) throttles a burst of jobs; 3 quick retries would fail them.
    lambda_tasks = {n: s for n, s in states().items() if s.get("Resource") == "arn:aws:states:::lambda:invoke"}
    assert {"Generate", "Package", "Sign", "Publish"} <= set(lambda_tasks)
    for name, state in lambda_tasks.items():
        throttle = [r for r in state["Retry"] if "Lambda.TooManyRequestsException" in r["ErrorEquals"]]
        assert len(throttle) == 1, name
        rule = throttle[0]
        waited = sum(
            min(rule["IntervalSeconds"] * rule["BackoffRate"] ** i, rule["MaxDelaySeconds"])
            for i in range(rule["MaxAttempts"])
        )
        assert waited >= 1800, (name, waited)
