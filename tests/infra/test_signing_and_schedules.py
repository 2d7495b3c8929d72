"""The signing key behind its alias, who may use it, and the EventBridge Scheduler rotations."""

from __future__ import annotations

import json

from forge.signing.kms_signer import SIGNING_KEY_TAG
from infra.schedules import GAUGES_FUNCTION, KEY_ROTATION_HANDLER, WORKFLOW_CALLBACKS_FUNCTION
from infra.stack import REPO_ROOT, ROTATE_KEYS
from tests.infra.synthesis import Synth, actions


def test_signing_key_is_p256_sign_verify_and_retained(synth: Synth) -> None:
    key_id = synth.logical_id(synth.stack.signing.key)
    props = synth.resources[key_id]["Properties"]
    assert props["KeySpec"] == "ECC_NIST_P256"
    assert props["KeyUsage"] == "SIGN_VERIFY"
    assert synth.resources[key_id]["DeletionPolicy"] == "Retain"


def test_only_signers_and_rotation_may_sign_and_only_with_this_stacks_keys(synth: Synth) -> None:
    users: set[str] = set()
    for policy in synth.of_type("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if "kms:Sign" in actions(statement):
                tag = f"aws:ResourceTag/{SIGNING_KEY_TAG}"
                assert statement["Condition"] == {"StringEquals": {tag: synth.stack.signing.alias}}
                users |= {r["Ref"] for r in policy["Properties"]["Roles"]}
    functions = synth.stack.functions.all
    # sign: packages; publish: release statements; api: revocation lists.
    expected = {synth.logical_id(functions[name].role) for name in ("sign", "publish", "api")}
    if ROTATE_KEYS in functions:
        expected.add(synth.logical_id(functions[ROTATE_KEYS].role))
    assert users == expected


def test_key_rotation_runs_the_rotate_keys_handler_on_a_schedule(synth: Synth) -> None:
    handler = REPO_ROOT / KEY_ROTATION_HANDLER
    schedules = {
        s["Properties"]["Description"]: s["Properties"] for s in synth.of_type("AWS::Scheduler::Schedule").values()
    }
    # Without it the stack still synthesizes (with the warning forge:no-key-rotation), but must not deploy.
    assert handler.is_file(), f"{KEY_ROTATION_HANDLER} is missing: the stack has no key rotation"
    rotate = synth.stack.functions.all[ROTATE_KEYS]
    assert synth.stack.functions.code_paths[ROTATE_KEYS] == handler.parent
    schedule = schedules["Plugin Forge: rotate the package signing key"]
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": [synth.logical_id(rotate), "Arn"]}
    assert schedule["ScheduleExpression"].startswith("cron(")
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    role = schedule["Target"]["RoleArn"]["Fn::GetAtt"][0]
    invoke = [s for s in synth.statements(role) if "lambda:InvokeFunction" in actions(s)]
    assert invoke
    assert all(synth.logical_id(rotate) in json.dumps(s["Resource"]) for s in invoke)
    # Rotation makes a new key and moves the alias (KMS cannot rotate asymmetric keys in place).
    granted = set().union(*(actions(s) for s in synth.statements(synth.logical_id(rotate.role))))
    assert {"kms:CreateKey", "kms:UpdateAlias", "kms:GetPublicKey"} <= granted


def test_gauges_run_every_minute_with_database_access_only(synth: Synth) -> None:
    handler = REPO_ROOT / "functions" / GAUGES_FUNCTION / "handler.py"
    gauges = synth.stack.functions.all[GAUGES_FUNCTION]
    assert synth.stack.functions.code_paths[GAUGES_FUNCTION] == handler.parent
    assert handler.is_file()
    schedules = {
        s["Properties"]["Description"]: s["Properties"] for s in synth.of_type("AWS::Scheduler::Schedule").values()
    }
    schedule = schedules["Plugin Forge: emit the queue and approval gauges"]
    assert schedule["ScheduleExpression"] == "rate(1 minute)"
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": [synth.logical_id(gauges), "Arn"]}
    assert schedule["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 0
    role = schedule["Target"]["RoleArn"]["Fn::GetAtt"][0]
    invoke = [s for s in synth.statements(role) if "lambda:InvokeFunction" in actions(s)]
    assert any(synth.logical_id(gauges) in json.dumps(s["Resource"]) for s in invoke)
    # Least privilege: it reads the database secret and writes traces, nothing else (no bucket, no key).
    granted = set().union(*(actions(s) for s in synth.statements(synth.logical_id(gauges.role))))
    assert not {a for a in granted if a.startswith(("s3:", "kms:Sign", "kms:Create", "states:"))}, granted
    assert "secretsmanager:GetSecretValue" in granted
    props = synth.resources[synth.logical_id(gauges)]["Properties"]
    assert "ReservedConcurrentExecutions" not in props


def test_the_workflow_callback_sweeper_runs_every_minute_and_may_only_answer_tasks(synth: Synth) -> None:
    handler = REPO_ROOT / "functions" / WORKFLOW_CALLBACKS_FUNCTION / "handler.py"
    sweeper = synth.stack.functions.all[WORKFLOW_CALLBACKS_FUNCTION]
    assert synth.stack.functions.code_paths[WORKFLOW_CALLBACKS_FUNCTION] == handler.parent
    assert handler.is_file()
    schedules = {
        s["Properties"]["Description"]: s["Properties"] for s in synth.of_type("AWS::Scheduler::Schedule").values()
    }
    schedule = schedules["Plugin Forge: deliver the approval and revocation callbacks still due"]
    assert schedule["ScheduleExpression"] == "rate(1 minute)"
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": [synth.logical_id(sweeper), "Arn"]}
    granted = set().union(*(actions(s) for s in synth.statements(synth.logical_id(sweeper.role))))
    assert {"states:SendTaskSuccess", "states:SendTaskFailure", "secretsmanager:GetSecretValue"} <= granted
    assert not {a for a in granted if a.startswith(("s3:", "kms:Sign", "kms:Create", "states:Start"))}, granted
