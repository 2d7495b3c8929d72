"""The one workflow definition with the tools that run it: statelint, and its repair states on moto's engine.

Its shape alone: tests/unit/test_statemachine.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from forge.paths import definition_file
from forge.workflow.definition import states
from tests.waiting import wait_until


def test_statelint_accepts_the_definition() -> None:
    statelint = Path(sys.executable).with_name("statelint")
    result = subprocess.run([str(statelint), str(definition_file())], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _run_repair_choice(generation: dict[str, object], error: str) -> tuple[str, dict[str, object] | None]:
    """The definition's own RepairOrFail and CountRepair states on moto's engine, with Generate and
    RecordFailure replaced by end states so the path taken is the execution's outcome."""
    import boto3
    from moto import mock_aws

    s = states()
    definition = {
        "StartAt": "RepairOrFail",
        "States": {
            "RepairOrFail": s["RepairOrFail"],
            "CountRepair": s["CountRepair"],
            "Generate": {"Type": "Succeed"},
            "RecordFailure": {"Type": "Fail", "Error": "Recorded"},
        },
    }
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = sfn.create_state_machine(
            name="repair", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/x"
        )["stateMachineArn"]
        payload = {"job_id": "j", "generation": generation, "failure": {"Error": error, "Cause": "c"}}
        execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(payload))["executionArn"]
        described = wait_until(
            lambda: sfn.describe_execution(executionArn=execution),
            lambda d: d["status"] != "RUNNING",
            what="the execution's end",
        )
    output = json.loads(described["output"]) if described.get("output") else None
    return described["status"], output


def test_repair_choice_on_the_engine() -> None:
    llm = {"provider": "openai", "max_repairs": 2, "attempt": 0}
    status, output = _run_repair_choice(llm, "StepFailed")
    assert status == "SUCCEEDED"
    assert output is not None
    assert output["generation"] == {"provider": "openai", "max_repairs": 2, "attempt": 1}
    assert _run_repair_choice(llm | {"attempt": 2}, "StepFailed")[0] == "FAILED"
    assert _run_repair_choice(llm, "States.Timeout")[0] == "FAILED"
    assert _run_repair_choice(llm | {"max_repairs": 0}, "StepFailed")[0] == "FAILED"
    assert _run_repair_choice({"provider": "template", "max_repairs": 2, "attempt": 0}, "StepFailed")[0] == "FAILED"
