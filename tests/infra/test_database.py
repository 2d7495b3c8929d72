"""RDS PostgreSQL, its secret, who may reach it, and the migrations custom resource (run for real on Postgres)."""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import aws_cdk as cdk
import psycopg2
import pytest
from aws_cdk.assertions import Template

from forge.db.migrate import available_migrations
from infra.context import ForgeContext
from infra.database import POSTGRES_PORT, Database, migrations_digest
from infra.network import Network
from infra.stack import REPO_ROOT
from tests.conftest import admin_sql, drop_database, with_database
from tests.infra.synthesis import Synth

MIGRATE_HANDLER = REPO_ROOT / "functions" / "migrate" / "handler.py"


def test_postgres_is_encrypted_private_protected_and_its_password_is_a_secret(synth: Synth) -> None:
    (instance,) = synth.of_type("AWS::RDS::DBInstance").values()
    props = instance["Properties"]
    assert props["Engine"] == "postgres"
    assert props["EngineVersion"].startswith("16")
    assert props["StorageEncrypted"] is True
    assert props["DeletionProtection"] is True  # the default of forge:databaseDeletionProtection
    assert props.get("PubliclyAccessible") in (None, False)
    assert props["BackupRetentionPeriod"] >= 7
    assert instance["DeletionPolicy"] == "Snapshot"
    # The password is resolved from Secrets Manager at deploy time, never a literal in the template.
    assert "secretsmanager" in str(props["MasterUserPassword"])
    assert "resolve" in str(props["MasterUserPassword"])
    # The database's secret, not the approvers' MFA key secret (infra/secrets.py).
    (secret,) = (s for s in synth.of_type("AWS::SecretsManager::Secret").values() if "GenerateStringKey" in str(s))
    assert secret["Properties"]["GenerateSecretString"]["GenerateStringKey"] == "password"
    (subnets,) = synth.of_type("AWS::RDS::DBSubnetGroup").values()
    isolated = {synth.stack.resolve(s.subnet_id)["Ref"] for s in synth.stack.network.vpc.isolated_subnets}
    assert {s["Ref"] for s in subnets["Properties"]["SubnetIds"]} == isolated
    (parameters,) = synth.of_type("AWS::RDS::DBParameterGroup").values()
    assert parameters["Properties"]["Parameters"]["rds.force_ssl"] == "1"


def test_only_the_forge_functions_tasks_and_rotation_reach_postgres(synth: Synth) -> None:
    database_group = synth.logical_id(synth.stack.database.security_group)
    ingress = [
        r["Properties"]
        for r in synth.of_type("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [database_group, "GroupId"]}
    ]
    network = synth.stack.network
    expected = {
        synth.logical_id(g)
        for g in (
            network.function_security_group,
            network.build_security_group,
            network.test_security_group,  # the test task's reporter (a Fargate task since issue 11)
            network.sandbox_security_group,
            synth.stack.database.rotation_security_group,
        )
    }
    assert {rule["SourceSecurityGroupId"]["Fn::GetAtt"][0] for rule in ingress} == expected
    for rule in ingress:
        assert rule["FromPort"] == rule["ToPort"] == POSTGRES_PORT
        assert "CidrIp" not in rule
    inline = synth.resources[database_group]["Properties"].get("SecurityGroupIngress", [])
    assert inline == []
    # The sandbox has no open egress: its path to the database is an explicit rule to the database group only.
    sandbox = synth.logical_id(network.sandbox_security_group)
    to_db = [
        r["Properties"]
        for r in synth.of_type("AWS::EC2::SecurityGroupEgress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [sandbox, "GroupId"]}
        and r["Properties"].get("DestinationSecurityGroupId") == {"Fn::GetAtt": [database_group, "GroupId"]}
    ]
    assert [(r["FromPort"], r["ToPort"]) for r in to_db] == [(POSTGRES_PORT, POSTGRES_PORT)]


def test_every_function_and_task_reads_the_database_secret_and_nothing_else_does(synth: Synth) -> None:
    secret = synth.stack.resolve(synth.stack.database.secret.secret_arn)
    # The api function alone also reads the approvers' MFA key secret (tests/infra/test_api.py).
    mfa_key = synth.stack.resolve(synth.stack.mfa_key.secret.secret_arn)
    api_role = {"Ref": synth.logical_id(synth.stack.functions.api.role)}
    readers = set()
    for policy in synth.of_type("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if "secretsmanager:GetSecretValue" in str(statement["Action"]):
                resource = statement["Resource"]
                resources = resource if isinstance(resource, list) else [resource]
                allowed = [secret, mfa_key] if policy["Properties"]["Roles"] == [api_role] else [secret]
                assert secret in resources, statement
                assert all(r in allowed for r in resources), statement
                readers |= {r["Ref"] for r in policy["Properties"]["Roles"]}
    # All but the stopped-task function, which answers a token and reads nothing (infra/task_events.py).
    roles = {synth.logical_id(f.role) for n, f in synth.stack.functions.all.items() if n != "task_stopped"}
    roles |= {synth.logical_id(t.task_role) for t in synth.stack.containers.task_definitions.values()}
    assert readers == roles


def test_migrations_run_on_deploy_through_the_migrate_function(synth: Synth) -> None:
    (_, resource), *others = synth.of_type("Custom::ForgeMigrations").items()
    assert not others
    assert resource["Properties"]["MigrationsDigest"] == migrations_digest(REPO_ROOT)
    assert synth.logical_id(synth.stack.database.instance) in resource["DependsOn"]
    assert synth.logical_id(synth.stack.network.endpoints["SecretsManager"]) in resource["DependsOn"]
    ingress = synth.of_type("AWS::EC2::SecurityGroupIngress")
    assert any(rule in resource["DependsOn"] for rule in ingress)
    provider = resource["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
    env = synth.resources[provider]["Properties"]["Environment"]["Variables"]
    assert env["USER_ON_EVENT_FUNCTION_ARN"]["Fn::GetAtt"][0] == synth.logical_id(synth.stack.functions.migrate)
    migrate_props = synth.resources[synth.logical_id(synth.stack.functions.migrate)]["Properties"]
    assert migrate_props["VpcConfig"]["SubnetIds"]
    assert migrate_props["Timeout"] >= 300


def test_migrations_digest_changes_with_any_migration(tmp_path: Path) -> None:
    migrations = tmp_path / "layers" / "forge" / "db" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "001_a.sql").write_text("CREATE TABLE a (id int);")
    first = migrations_digest(tmp_path)
    (migrations / "002_b.sql").write_text("CREATE TABLE b (id int);")
    second = migrations_digest(tmp_path)
    (migrations / "002_b.sql").write_text("CREATE TABLE b (id bigint);")
    assert len({first, second, migrations_digest(tmp_path)}) == 3


def _load_handler() -> ModuleType:
    spec = importlib.util.spec_from_file_location("forge_function_migrate", MIGRATE_HANDLER)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _context() -> Any:
    return SimpleNamespace(
        function_name="migrate",
        memory_limit_in_mb=512,
        invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:migrate",
        aws_request_id=str(uuid.uuid4()),
    )


@pytest.fixture
def empty_database(pg_admin_dsn: str) -> Iterator[Callable[[], str]]:
    name = f"m_{uuid.uuid4().hex[:12]}"
    admin_sql(pg_admin_dsn, f'CREATE DATABASE "{name}"')
    yield lambda: with_database(pg_admin_dsn, name)
    drop_database(pg_admin_dsn, name)


def test_migrate_handler_applies_the_schema_once_and_never_drops_it(
    empty_database: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dsn = empty_database()
    monkeypatch.setenv("DATABASE_URL", dsn)
    handler = _load_handler().handler
    latest = max(m.version for m in available_migrations())

    created = handler({"RequestType": "Create", "ResourceProperties": {"MigrationsDigest": "x"}}, _context())
    assert created["PhysicalResourceId"] == "forge-schema"
    assert created["Data"]["LatestVersion"] == str(latest)
    assert created["Data"]["Applied"].split(",") == [f"{m.version:03d}_{m.name}" for m in available_migrations()]

    updated = handler({"RequestType": "Update", "PhysicalResourceId": "forge-schema"}, _context())
    assert updated == {"PhysicalResourceId": "forge-schema", "Data": {"Applied": "", "LatestVersion": str(latest)}}

    assert handler({"RequestType": "Delete", "PhysicalResourceId": "forge-schema"}, _context()) == {
        "PhysicalResourceId": "forge-schema"
    }
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT max(version) FROM schema_migrations")
            assert cur.fetchone() == (latest,)
            cur.execute("SELECT to_regclass('forge_jobs') IS NOT NULL")
            assert cur.fetchone() == (True,)
    finally:
        conn.close()


def test_migrate_handler_rejects_an_unknown_request_type() -> None:
    with pytest.raises(ValueError, match="RequestType"):
        _load_handler().handler({"RequestType": "Upsert"}, _context())


def test_deletion_protection_and_multi_az_are_context_switches() -> None:
    # A small stack of its own: the session synth covers the defaults, this covers the switch.
    app = cdk.App(context={"forge:databaseDeletionProtection": "false", "forge:databaseMultiAz": True})
    stack = cdk.Stack(app, "DatabaseOnly")
    context = ForgeContext.from_node(app.node)
    Database(stack, "Database", network=Network(stack, "Network"), context=context)
    (instance,) = Template.from_stack(stack).find_resources("AWS::RDS::DBInstance").values()
    assert instance["Properties"]["DeletionProtection"] is False
    assert instance["Properties"]["MultiAZ"] is True
    with pytest.raises(ValueError, match="forge:databaseDeletionProtection"):
        ForgeContext.from_node(cdk.App(context={"forge:databaseDeletionProtection": "maybe"}).node)


def test_the_engine_version_names_only_the_major_so_a_retired_minor_cannot_fail_a_deploy(synth: Synth) -> None:
    """RDS retires minor versions; a template pinned to one (16.9) fails to create or update once it is gone, and
    CloudFormation rolls the deploy back. The major alone lets RDS pick its current default minor at creation, and
    auto minor upgrades move the instance on without the template ever disagreeing (docs/aws.md)."""
    (instance,) = synth.of_type("AWS::RDS::DBInstance").values()
    props = instance["Properties"]
    assert props["EngineVersion"] == "16"
    assert props["AutoMinorVersionUpgrade"] is True
    (parameters,) = synth.of_type("AWS::RDS::DBParameterGroup").values()
    assert parameters["Properties"]["Family"] == "postgres16"
