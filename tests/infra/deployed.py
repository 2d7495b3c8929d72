"""Run a handler as the synthesized template deploys it: with exactly the environment variables the template gives
that function (or task container), each CloudFormation reference resolved to the moto (or test) resource standing in
for the deployed one. A variable the template sets and the test did not map fails the test, so a handler can never
pass here on a variable AWS would not give it."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parameters import base as parameters_base

from forge.config import reset_settings
from forge.wiring import reset_deps
from infra.stack import REPO_ROOT
from tests.infra.synthesis import Synth

REGION = "us-east-1"
ACCOUNT = "123456789012"
PSEUDO = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}


class Unresolved(LookupError):
    pass


def resolve(value: Any, deployed: Mapping[str, str]) -> str:
    """A template value as a string: `deployed` maps a logical id (for Ref) or `<logical id>.<attribute>` (for
    Fn::GetAtt) to what the test created in its place."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Ref" in value:
        ref = value["Ref"]
        if ref in PSEUDO:
            return PSEUDO[ref]
        if ref in deployed:
            return deployed[ref]
        raise Unresolved(f"Ref {ref}")
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        key = ".".join(value["Fn::GetAtt"])
        if key in deployed:
            return deployed[key]
        raise Unresolved(f"Fn::GetAtt {key}")
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(resolve(p, deployed) for p in parts)
    raise Unresolved(f"cannot resolve {value!r}")


def database_secret(dsn: str) -> dict[str, Any]:
    """The RDS secret's JSON (what forge.db.dsn reads) for a test database: host, port, dbname, username, password."""
    import psycopg2

    params = psycopg2.extensions.parse_dsn(dsn)
    return {
        "engine": "postgres",
        "username": params["user"],
        "password": params.get("password", ""),
        "host": params["host"],
        "port": int(params.get("port", 5432)),
        "dbname": params["dbname"],
    }


def function_environment(synth: Synth, name: str, deployed: Mapping[str, str]) -> dict[str, str]:
    """The environment the template gives the Lambda function `name` (functions/<name>), resolved."""
    function = synth.stack.functions.all[name]
    props = synth.resources[synth.logical_id(function)]["Properties"]
    variables = props.get("Environment", {}).get("Variables", {})
    return {key: resolve(value, deployed) for key, value in variables.items()}


def container_environment(synth: Synth, step: str, deployed: Mapping[str, str]) -> dict[str, str]:
    """The environment the template gives the Fargate container of `step` (before the ASL's overrides)."""
    task = synth.stack.containers.task_definitions[step]
    props = synth.resources[synth.logical_id(task)]["Properties"]
    (container,) = [c for c in props["ContainerDefinitions"] if c["Name"] == step]
    return {v["Name"]: resolve(v["Value"], deployed) for v in container.get("Environment", [])}


def load_handler(name: str) -> ModuleType:
    """functions/<name>/handler.py as Lambda loads it (a module of its own, not a package)."""
    path = REPO_ROOT / "functions" / name / "handler.py"
    spec = importlib.util.spec_from_file_location(f"deployed_{name}_handler", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def deployed_environment(monkeypatch: pytest.MonkeyPatch, environment: Mapping[str, str], home: Path) -> Iterator[None]:
    """Exactly `environment` for forge's settings (plus the AWS region and fake credentials moto wants): every
    FORGE_/DATABASE_ variable of the test process is removed first, as a Lambda has none of them. FORGE_HOME alone
    moves to `home`: the template's /tmp/plugin-forge would be shared by every test process on the machine."""
    for key in list(os.environ):
        if key.startswith(("FORGE_", "POWERTOOLS_", "S3_", "SIRA_")) or key == "DATABASE_URL":
            monkeypatch.delenv(key)
    for key, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        **environment,
    }.items():
        monkeypatch.setenv(key, value)
    if "FORGE_HOME" in environment:
        monkeypatch.setenv("FORGE_HOME", str(home))
    reset_settings()
    reset_deps()
    # Powertools keeps one client per provider for the process (a Lambda's life); built under this test's moto, it
    # must not outlive it (other tests' moto has other secrets).
    parameters_base.DEFAULT_PROVIDERS.clear()
    try:
        yield
    finally:
        parameters_base.DEFAULT_PROVIDERS.clear()
        reset_deps()
        reset_settings()
