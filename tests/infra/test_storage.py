"""The artifact bucket (encrypted, versioned, TLS only) and the audit bucket (Object Lock, compliance mode)."""

from __future__ import annotations

from typing import Any

from infra.artifacts import AUDIT_RETENTION_DAYS
from tests.infra.synthesis import Synth, actions


def _tls_only(synth: Synth, bucket_id: str) -> bool:
    (policy,) = [
        p for p in synth.of_type("AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    return any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    )


def _bucket(synth: Synth, construct: Any) -> tuple[str, dict[str, Any]]:
    logical_id = synth.logical_id(construct)
    return logical_id, synth.resources[logical_id]["Properties"]


def test_artifact_bucket_is_encrypted_versioned_private_logged_and_tls_only(synth: Synth) -> None:
    bucket_id, props = _bucket(synth, synth.stack.artifacts.bucket)
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert props["LoggingConfiguration"]["DestinationBucketName"] == {
        "Ref": synth.logical_id(synth.stack.artifacts.access_logs)
    }
    assert _tls_only(synth, bucket_id)
    assert synth.resources[bucket_id]["DeletionPolicy"] == "Retain"


def test_audit_bucket_is_write_once_for_years_in_compliance_mode(synth: Synth) -> None:
    bucket_id, props = _bucket(synth, synth.stack.artifacts.audit_bucket)
    assert props["ObjectLockEnabled"] is True
    assert props["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": AUDIT_RETENTION_DAYS}},
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert _tls_only(synth, bucket_id)


def test_only_generate_writes_the_audit_bucket_and_only_puts(synth: Synth) -> None:
    audit_id = synth.logical_id(synth.stack.artifacts.audit_bucket)
    generate = synth.stack.functions.steps["generate"]
    writers = {}
    for policy in synth.of_type("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if audit_id in str(statement["Resource"]):
                for role in policy["Properties"]["Roles"]:
                    writers.setdefault(role["Ref"], set()).update(actions(statement))
    assert writers == {synth.logical_id(generate.role): {"s3:PutObject"}}
    env = synth.resources[synth.logical_id(generate)]["Properties"]["Environment"]["Variables"]
    assert env["FORGE_AUDIT_BUCKET"] == {"Ref": audit_id}


def test_artifact_access_is_get_put_and_list_only(synth: Synth) -> None:
    bucket_id = synth.logical_id(synth.stack.artifacts.bucket)
    granted: set[str] = set()
    for policy in synth.of_type("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if bucket_id in str(statement["Resource"]):
                granted |= actions(statement)
    assert granted == {"s3:GetObject", "s3:PutObject", "s3:ListBucket"}


def test_marketplace_bucket_is_encrypted_versioned_private_logged_and_kept(synth: Synth) -> None:
    bucket_id, props = _bucket(synth, synth.stack.artifacts.marketplace)
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert props["LoggingConfiguration"]["LogFilePrefix"] == "marketplace/"
    assert _tls_only(synth, bucket_id)
    assert synth.resources[bucket_id]["DeletionPolicy"] == "Retain"


def test_only_publish_revoke_and_rotation_write_the_marketplace_each_with_its_own_actions(synth: Synth) -> None:
    bucket_id = synth.logical_id(synth.stack.artifacts.marketplace)
    functions = synth.stack.functions.all
    by_role = {synth.logical_id(f.role): name for name, f in functions.items()}
    granted: dict[str, set[str]] = {}
    resources: dict[str, list[Any]] = {}
    for policy in synth.of_type("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if bucket_id in str(statement["Resource"]):
                for role in policy["Properties"]["Roles"]:
                    name = by_role.get(role["Ref"], role["Ref"])
                    granted.setdefault(name, set()).update(actions(statement))
                    resources.setdefault(name, []).append(statement["Resource"])
    assert granted == {
        "publish": {"s3:GetObject", "s3:PutObject", "s3:ListBucket"},
        "api": {"s3:DeleteObject", "s3:ListBucket", "s3:PutObject"},
        "rotate_keys": {"s3:PutObject"},
    }
    # Rotation may put the trust files only, not a release.
    rotation = str(resources["rotate_keys"])
    for name in ("/keys.json", "/keys/*", "/revocations.json", "/revocations.json.sig"):
        assert name in rotation
    assert "/*'" not in rotation.replace("/keys/*'", "")
    for name, function in functions.items():
        env = synth.resources[synth.logical_id(function)]["Properties"]["Environment"]["Variables"]
        if name in granted:
            assert env["FORGE_MARKETPLACE"] == "s3"
            assert env["FORGE_MARKETPLACE_BUCKET"] == {"Ref": bucket_id}
        else:
            assert "FORGE_MARKETPLACE_BUCKET" not in env
