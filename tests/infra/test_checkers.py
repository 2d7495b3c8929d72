"""The independent checkers on the synthesized stack: cdk-nag AwsSolutions, cfn-lint, statelint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Validations
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import lint_file

from infra.stack import REPO_ROOT
from tests.infra.synthesis import Synth


def _nag_violations(synth: Synth) -> list[str]:
    return [
        f"{v['ruleName']} at {c['constructPath']}"
        for report in synth.validation_report["pluginReports"]
        if report["pluginName"] == "AwsSolutions"
        for v in report["violations"]
        for c in v["violatingConstructs"]
    ]


def test_cdk_nag_aws_solutions_has_no_unacknowledged_finding(synth: Synth) -> None:
    assert _nag_violations(synth) == [], "\n".join(_nag_violations(synth))
    assert synth.validation_error is None, synth.validation_error


def _acknowledgements(synth: Synth) -> list[dict[str, Any]]:
    found = []
    for resource in synth.resources.values():
        found += resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    # aws-cdk-lib acknowledges some of its own CloudFormation-Validate rules, and the stack acknowledges one CDK
    # annotation (an egress rule ignored on groups whose outbound is open); the rest are AwsSolutions ones.
    return [a for a in found if not a["id"].startswith(("CloudFormation-Validate::", "@aws-cdk/"))]


def test_cdk_nag_ran_and_every_acknowledgement_says_why(synth: Synth) -> None:
    acknowledged = _acknowledgements(synth)
    # The pack really ran over this template: it wrote the acknowledged rules into the resources' Metadata.
    assert len(acknowledged) > 20
    ids = {a["id"] for a in acknowledged}
    assert {"AwsSolutions-ECS2", "AwsSolutions-COG4", "AwsSolutions-SMG4"} <= ids
    # The API stage has a web ACL (infra/api_firewall.py): the WAF finding is met, not acknowledged.
    assert "AwsSolutions-APIG3" not in ids
    for ack in acknowledged:
        assert ack["id"].startswith("AwsSolutions-"), ack
        assert len(ack["reason"]) >= 40, ack


def test_no_blanket_acknowledgement_of_wildcards_or_managed_policies(synth: Synth) -> None:
    # IAM4/IAM5 are only ever accepted finding by finding (a policy, an action, a resource), never wholesale.
    for ack in _acknowledgements(synth):
        assert ack["id"] not in ("AwsSolutions-IAM4", "AwsSolutions-IAM5"), ack


def test_cfn_lint_finds_no_error_in_the_template(synth: Synth) -> None:
    matches = lint_file(Path(synth.template_path))
    errors = [f"{m.rule.id} {m.message} ({m.path})" for m in matches if m.rule.severity == "error"]
    assert errors == [], "\n".join(errors)
    # Warnings are allowed only for what CDK itself emits (explicit DependsOn next to a GetAtt).
    assert {m.rule.id for m in matches} <= {"W3005"}, sorted({m.rule.id for m in matches})


def test_statelint_accepts_the_deployed_definition(synth: Synth) -> None:
    machine = synth.state_machine
    staged = synth.staged_file_asset(machine["DefinitionS3Location"]["Key"])
    statelint = Path(sys.executable).with_name("statelint")
    result = subprocess.run([str(statelint), str(staged)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(staged.read_text()) == json.loads((REPO_ROOT / "statemachine" / "forge.asl.json").read_text())


def test_the_nag_wiring_reports_a_finding_when_there_is_one(tmp_path: Path) -> None:
    # The control for the zero-findings test: the same plugin wiring on a bucket without TLS enforcement or
    # access logs fails the synth and names the rules.
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Careless")
    s3.Bucket(stack, "Bucket")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {
        v["ruleName"] for r in report["pluginReports"] if r["pluginName"] == "AwsSolutions" for v in r["violations"]
    }
    assert {"AwsSolutions-S1", "AwsSolutions-S10"} <= rules
