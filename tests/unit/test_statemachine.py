"""The one workflow definition: lint, substitutions, and the shape the pipeline relies on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from forge.local.runtime import local_substitutions
from forge.paths import definition_file, function_dir
from forge.workflow.definition import placeholders, states, substitute


def test_statelint_accepts_the_definition() -> None:
    statelint = Path(sys.executable).with_name("statelint")
    result = subprocess.run([str(statelint), str(definition_file())], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_placeholder_has_a_local_substitution() -> None:
    assert placeholders() == set(local_substitutions())
    json.loads(substitute(local_substitutions()))


def test_every_task_has_a_catch_to_record_failure_except_the_recorders() -> None:
    for name, state in states().items():
        if state["Type"] != "Task" or name in ("RecordFailure", "RecordSuccess"):
            continue
        assert state["Catch"][0]["ErrorEquals"] == ["States.ALL"], name
        assert state["Catch"][0]["Next"] == "RecordFailure", name
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
    assert s["Build"]["Resource"] == s["Sandbox"]["Resource"] == "arn:aws:states:::ecs:runTask.waitForTaskToken"


def test_every_function_named_by_the_definition_exists() -> None:
    for placeholder in placeholders():
        if placeholder.endswith("FunctionArn"):
            name = placeholder.removesuffix("FunctionArn").lower()
            assert (function_dir(name) / "handler.py").is_file(), name
        if placeholder.endswith("TaskDefinitionArn"):
            name = placeholder.removesuffix("TaskDefinitionArn").lower()
            assert (function_dir(name) / "entrypoint.py").is_file(), name
