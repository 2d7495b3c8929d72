"""Key rotation in AWS: a new KMS key reaches the keyset before anything points at it, every signer keeps working
across the rotation (their permission follows the stack's tag on its keys, not the alias), a retried invocation makes
no second key, and the alias is the rotation's alone (not CloudFormation's, which would move it back) and named after
the stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from forge.db.connection import Database
from forge.db.repositories.keys import KeyRepository
from forge.local.aws_emulator import LambdaContext
from forge.signing import kms_signer
from infra.stack import ROTATE_KEYS
from tests.infra.deployed import (
    ACCOUNT,
    REGION,
    database_secret,
    deployed_environment,
    function_environment,
    load_handler,
)
from tests.infra.synthesis import Synth, actions

SIGNERS = ("sign", "publish", "api", ROTATE_KEYS)


def _kms_statements(synth: Synth, name: str) -> list[dict[str, Any]]:
    role = synth.logical_id(synth.stack.functions.all[name].role)
    return [s for s in synth.statements(role) if any(a.startswith("kms:") for a in actions(s))]


def test_the_alias_is_not_cloudformations_and_is_named_after_the_stack(synth: Synth) -> None:
    # CloudFormation would point its alias back at the first key on the next deploy that touched it.
    assert not synth.of_type("AWS::KMS::Alias")
    key = synth.resources[synth.logical_id(synth.stack.signing.key)]
    assert {"Key": kms_signer.SIGNING_KEY_TAG, "Value": "alias/PluginForge-signing"} in key["Properties"]["Tags"]
    for name in SIGNERS:
        environment = synth.resources[synth.logical_id(synth.stack.functions.all[name])]["Properties"]["Environment"]
        variables = environment["Variables"]
        assert variables["FORGE_KMS_KEY_ALIAS"] == "alias/PluginForge-signing", name
        assert variables["FORGE_KMS_INITIAL_KEY_ARN"] == {
            "Fn::GetAtt": [synth.logical_id(synth.stack.signing.key), "Arn"]
        }


def test_signers_may_use_any_key_of_this_stack_whatever_the_alias_points_at(synth: Synth) -> None:
    for name in SIGNERS:
        (sign,) = [s for s in _kms_statements(synth, name) if "kms:Sign" in actions(s)]
        assert sign["Condition"] == {
            "StringEquals": {f"aws:ResourceTag/{kms_signer.SIGNING_KEY_TAG}": "alias/PluginForge-signing"}
        }, name
        assert "kms:ResourceAliases" not in json.dumps(_kms_statements(synth, name))


def test_rotation_reads_a_new_public_key_without_waiting_for_tags_or_aliases(synth: Synth) -> None:
    statements = _kms_statements(synth, ROTATE_KEYS)
    (read,) = [s for s in statements if "kms:GetPublicKey" in actions(s) and "kms:Sign" not in actions(s)]
    assert "Condition" not in read  # a public key is public: no tag or alias condition to wait for
    (create,) = [s for s in statements if "kms:CreateKey" in actions(s)]
    tag = f"aws:RequestTag/{kms_signer.SIGNING_KEY_TAG}"
    assert create["Condition"]["StringEquals"][tag] == "alias/PluginForge-signing"
    assert create["Condition"]["StringEquals"]["kms:KeySpec"] == "ECC_NIST_P256"
    aliases = [s for s in statements if "kms:UpdateAlias" in actions(s)]
    assert any("alias/PluginForge-signing" in json.dumps(s["Resource"]) for s in aliases)


def test_the_rotation_handler_registers_first_waits_for_the_key_to_sign_and_rotates_once(
    synth: Synth, db: Database, db_dsn: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    keys = KeyRepository(db)
    kms_calls: list[str] = []  # every KMS operation the code calls, in order
    alias_moved_to: list[tuple[str, str | None]] = []
    denied = {"left": 2}  # the first probes are refused, as IAM may for a few minutes after CreateKey

    def check(model: Any, params: dict[str, Any], **_: Any) -> None:
        kms_calls.append(model.name)
        if model.name in ("CreateAlias", "UpdateAlias"):
            active = keys.active()
            alias_moved_to.append((params["TargetKeyId"], active.backend_ref if active else None))
        if model.name == "Sign" and denied["left"]:
            denied["left"] -= 1
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not yet"}}, "Sign")

    monkeypatch.setattr(kms_signer, "PROBE_INTERVAL_SECONDS", 0.01)
    with mock_aws():
        # The code's clients come from boto3's default session (moto replaces it when it starts): watch its KMS calls.
        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register("before-parameter-build.kms", check)
        kms = boto3.client("kms", region_name=REGION)
        initial = kms.create_key(
            KeySpec="ECC_NIST_P256",
            KeyUsage="SIGN_VERIFY",
            Tags=[{"TagKey": kms_signer.SIGNING_KEY_TAG, "TagValue": "alias/PluginForge-signing"}],
        )["KeyMetadata"]["Arn"]
        secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="forge-db", SecretString=json.dumps(database_secret(db_dsn))
        )["ARN"]
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="marketplace")
        stack = synth.stack
        deployed = {
            stack.resolve(stack.database.secret.secret_arn)["Ref"]: secret,
            synth.logical_id(stack.artifacts.bucket): "artifacts",
            synth.logical_id(stack.artifacts.marketplace): "marketplace",
            f"{synth.logical_id(stack.signing.key)}.Arn": initial,
        }
        environment = function_environment(synth, ROTATE_KEYS, deployed)
        context = LambdaContext("rotate-keys", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:rotate-keys")
        with deployed_environment(monkeypatch, environment, tmp_path / "home"):
            handler = load_handler(ROTATE_KEYS).handler
            first = handler({"reason": "scheduled"}, context)
            # EventBridge Scheduler's retries and Lambda's asynchronous retries deliver the same event again.
            again = handler({"reason": "scheduled"}, context)
        listed = [k["KeyArn"] for k in kms.list_keys()["Keys"]]
        alias = kms.describe_key(KeyId="alias/PluginForge-signing")["KeyMetadata"]["Arn"]
        boto3.DEFAULT_SESSION.events.unregister("before-parameter-build.kms", check)

    active = keys.active()
    assert active is not None
    assert active.key_id == first["key_id"] == again["key_id"]
    assert again["rotated"] is False
    assert len(listed) == 2, listed  # the stack's key and one new key: the retry made none
    assert alias == active.backend_ref != initial
    # When the alias moved, the key it was moved to was already the active key of the keyset.
    assert alias_moved_to, alias_moved_to
    assert all(target == registered for target, registered in alias_moved_to), alias_moved_to
    # The new key signed (the probes through) before it was registered; the refused probes were waited out.
    assert denied["left"] == 0
    assert kms_calls.index("Sign") < kms_calls.index(next(c for c in kms_calls if c.endswith("Alias")))


def test_an_operator_marks_a_key_compromised_through_the_rotation_function(
    synth: Synth, db: Database, db_dsn: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """In AWS the database is in isolated subnets, out of `forge keys compromise`'s reach: the rotation function (the
    stack's output RotateKeysFunction, `aws lambda invoke`) marks a key compromised, replaces it when it was active,
    and republishes keys.json, so merchants refuse what it signed (docs/runbook.md)."""
    keys = KeyRepository(db)
    outputs = synth.template.to_json()["Outputs"]
    assert outputs["RotateKeysFunction"]["Value"] == {"Ref": synth.logical_id(synth.stack.functions.all[ROTATE_KEYS])}
    monkeypatch.setattr(kms_signer, "PROBE_INTERVAL_SECONDS", 0.01)
    with mock_aws():
        kms = boto3.client("kms", region_name=REGION)
        initial = kms.create_key(
            KeySpec="ECC_NIST_P256",
            KeyUsage="SIGN_VERIFY",
            Tags=[{"TagKey": kms_signer.SIGNING_KEY_TAG, "TagValue": "alias/PluginForge-signing"}],
        )["KeyMetadata"]["Arn"]
        secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="forge-db", SecretString=json.dumps(database_secret(db_dsn))
        )["ARN"]
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="marketplace")
        stack = synth.stack
        deployed = {
            stack.resolve(stack.database.secret.secret_arn)["Ref"]: secret,
            synth.logical_id(stack.artifacts.bucket): "artifacts",
            synth.logical_id(stack.artifacts.marketplace): "marketplace",
            f"{synth.logical_id(stack.signing.key)}.Arn": initial,
        }
        environment = function_environment(synth, ROTATE_KEYS, deployed)
        context = LambdaContext("rotate-keys", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:rotate-keys")
        with deployed_environment(monkeypatch, environment, tmp_path / "home"):
            handler = load_handler(ROTATE_KEYS).handler
            first = handler({}, context)  # an operator's rotation: no "reason": "scheduled", so never skipped
            leaked = first["key_id"]
            done = handler({"compromise": {"key_id": leaked, "reason": "key material leaked in a log"}}, context)
            refused = handler({"compromise": {"key_id": leaked, "reason": ""}}, context)
        published = json.loads(s3.get_object(Bucket="marketplace", Key="keys.json")["Body"].read())

    assert done["compromised_key_id"] == leaked
    assert done["replacement_key_id"] not in (None, leaked)
    assert keys.get(leaked).status == "compromised"
    active = keys.active()
    assert active is not None
    assert active.key_id == done["replacement_key_id"]
    statuses = {entry["key_id"]: entry["status"] for entry in published["keys"]}
    assert statuses[leaked] == "compromised"
    assert refused == {"error": "ForgeError", "message": "marking a key compromised needs a reason"}
