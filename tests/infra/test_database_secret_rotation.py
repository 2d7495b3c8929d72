"""The database password rotates without breaking anything: Secrets Manager's own rotation rule runs the hosted
rotation function, and a warm function whose pooled password went stale re-reads the secret once and carries on."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from moto import mock_aws

from forge.db.connection import close_all
from forge.local.aws_emulator import LambdaContext
from infra.database import SECRET_ENV
from infra.schedules import GAUGES_FUNCTION
from tests.conftest import admin_sql
from tests.infra.deployed import deployed_environment, function_environment, load_handler
from tests.infra.synthesis import Synth, actions

ROLE = "forge_app"


def test_the_secret_rotates_on_its_own_rotation_rule_every_30_days(synth: Synth) -> None:
    (rotation,) = synth.of_type("AWS::SecretsManager::RotationSchedule").values()
    props = rotation["Properties"]
    secret = synth.stack.resolve(synth.stack.database.secret.secret_arn)
    assert props["SecretId"] == secret
    # Secrets Manager invokes its hosted function itself: no schedule role that would need lambda:InvokeFunction
    # on a function only the rotation knows (the old EventBridge path could never succeed).
    assert props["RotationRules"] == {"ScheduleExpression": "rate(30 days)"}
    assert props["HostedRotationLambda"]["RotationType"] == "PostgreSQLSingleUser"
    for schedule in synth.of_type("AWS::Scheduler::Schedule").values():
        assert "secretsmanager" not in json.dumps(schedule["Properties"]["Target"]), schedule
    for policy in synth.of_type("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert "secretsmanager:RotateSecret" not in actions(statement)


@pytest.fixture
def app_role(db_dsn: str) -> Iterator[dict[str, Any]]:
    """A login role with a password on the test server, as the RDS secret describes it (host, port, dbname)."""
    params = psycopg2.extensions.parse_dsn(db_dsn)
    password = uuid.uuid4().hex
    admin_sql(db_dsn, f"CREATE ROLE {ROLE} LOGIN SUPERUSER PASSWORD '{password}'")
    yield {
        "engine": "postgres",
        "username": ROLE,
        "password": password,
        "host": params["host"],
        "port": 5432,
        "dbname": params["dbname"],
        "admin_dsn": db_dsn,
    }
    close_all()
    admin_sql(db_dsn, f"REASSIGN OWNED BY {ROLE} TO CURRENT_USER; DROP OWNED BY {ROLE}; DROP ROLE {ROLE}")


def _rotate(secrets: Any, secret_arn: str, secret: dict[str, Any], admin_dsn: str) -> None:
    """What the hosted single-user rotation does: a new password on the role, then the secret's current version.
    Sessions opened with the old password stay up; they are ended here, as an RDS restart or the idle timeout
    would end a warm Lambda's."""
    new_password = uuid.uuid4().hex
    admin_sql(admin_dsn, f"ALTER ROLE {ROLE} PASSWORD '{new_password}'")
    admin_sql(admin_dsn, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{ROLE}'")  # noqa: S608 - the test's own role
    secrets.put_secret_value(SecretId=secret_arn, SecretString=json.dumps({**secret, "password": new_password}))


def test_a_warm_function_reads_the_rotated_secret_again_after_an_authentication_failure(
    synth: Synth, app_role: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    admin_dsn = app_role.pop("admin_dsn")
    with mock_aws():
        import boto3

        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        secret_arn = secrets.create_secret(Name="forge-db", SecretString=json.dumps(app_role))["ARN"]
        secret_ref = synth.stack.resolve(synth.stack.database.secret.secret_arn)["Ref"]
        bucket_ref = synth.stack.resolve(synth.stack.artifacts.bucket.bucket_name)["Ref"]
        environment = function_environment(synth, GAUGES_FUNCTION, {secret_ref: secret_arn, bucket_ref: "artifacts"})
        assert environment[SECRET_ENV] == secret_arn
        assert "DATABASE_URL" not in environment
        context = LambdaContext("gauges", "arn:aws:lambda:us-east-1:123456789012:function:gauges")
        with deployed_environment(monkeypatch, environment, tmp_path / "home"):
            handler = load_handler(GAUGES_FUNCTION).handler
            handler({"reason": "scheduled"}, context)  # warm: its pool and its DSN hold the first password
            _rotate(secrets, secret_arn, app_role, admin_dsn)
            # Minutes pass between scheduled invocations: the pool checks an idle connection before reusing it.
            monkeypatch.setattr("forge.db.connection._PING_AFTER_IDLE_SECONDS", 0.0)
            # The next invocation of the same warm container: its cached password is refused (28P01); it must read
            # the secret again rather than fail every call until Lambda recycles the container.
            handler({"reason": "scheduled"}, context)
