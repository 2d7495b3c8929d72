"""Every local port or socket `forge up` opens answers only its own clients.

The runtime opens: the API (127.0.0.1, bearer tokens), the Lambda Invoke / ECS RunTask emulator (127.0.0.1,
SigV4 with a per-run secret that only moto's engine in this process holds) and, without DATABASE_URL, the
embedded Postgres (a Unix socket, password auth with a per-install secret). Each is attacked here as another
local process would.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import botocore.auth
import psutil
import psycopg2
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from forge.local.aws_emulator import CLUSTER_ARN, function_arn, task_definition_arn
from forge.local.postgres import EmbeddedPostgres
from forge.local.runtime import LocalRuntime
from tests.attacks.other_user import as_nobody

ECS_TARGET = "AmazonEC2ContainerServiceV20141113"


def own_credentials(rt: LocalRuntime) -> Credentials:
    return Credentials(rt.emulator_credentials.access_key, rt.emulator_credentials.secret_key)


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    credentials: Credentials | None = None,
    service: str = "lambda",
) -> requests.Response:
    """POST as boto3 would: signed with SigV4 by botocore when credentials are given."""
    request = AWSRequest("POST", url, data=body, headers=headers)
    if credentials is not None:
        SigV4Auth(credentials, service, "us-east-1").add_auth(request)
    return requests.post(url, data=body, headers=dict(request.headers.items()), timeout=30)


def invoke_url(rt: LocalRuntime, function: str) -> str:
    return f"{rt.emulator_url}/2015-03-31/functions/{quote(function, safe='')}/invocations"


def invoke(rt: LocalRuntime, function: str, event: dict, credentials: Credentials | None) -> requests.Response:
    body = json.dumps(event).encode()
    return post(invoke_url(rt, function), body, {"Content-Type": "application/json"}, credentials)


def ecs(rt: LocalRuntime, action: str, request: dict, credentials: Credentials | None) -> requests.Response:
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"{ECS_TARGET}.{action}"}
    return post(f"{rt.emulator_url}/", json.dumps(request).encode(), headers, credentials, service="ecs")


def run_task_request() -> dict:
    env = [{"name": "FORGE_JOB_ID", "value": "00000000-0000-0000-0000-000000000000"}]
    return {
        "cluster": CLUSTER_ARN,
        "taskDefinition": task_definition_arn("build"),
        "launchType": "FARGATE",
        "overrides": {"containerOverrides": [{"name": "build", "environment": env}]},
    }


def test_the_emulator_refuses_an_unsigned_invoke(runtime: LocalRuntime) -> None:
    """An invoke without the runtime's SigV4 signature runs no handler: 403."""
    answer = invoke(runtime, function_arn("finish"), {}, credentials=None)
    assert answer.status_code == 403, answer.text
    assert "X-Amz-Function-Error" not in answer.headers


def test_the_emulator_refuses_signatures_made_without_the_runtime_secret(
    runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a fresh signature by the per-run secret over this very body passes; moto's well-known engine keys,
    a guessed secret, a replayed old signature and a body changed after signing are all refused."""
    own = own_credentials(runtime)
    moto_keys, guessed = Credentials("ak", "sk"), Credentials(own.access_key, "x")
    for credentials in (moto_keys, Credentials("FOOBARKEY", "FOOBARSECRET"), guessed):
        answer = invoke(runtime, function_arn("finish"), {}, credentials)
        assert answer.status_code == 403, (credentials.access_key, answer.text)

    url = invoke_url(runtime, function_arn("finish"))
    request = AWSRequest("POST", url, data=b"{}", headers={"Content-Type": "application/json"})
    SigV4Auth(own, "lambda", "us-east-1").add_auth(request)
    tampered = requests.post(url, data=b'{"job_id": "x"}', headers=dict(request.headers.items()), timeout=30)
    assert tampered.status_code == 403, tampered.text

    old = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=10)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: old)
    stale = invoke(runtime, function_arn("finish"), {}, own)
    assert stale.status_code == 403, stale.text


def test_the_emulator_answers_the_runtime_own_signature(runtime: LocalRuntime) -> None:
    """The control: the runtime's own signature reaches a registered function (its handler runs and fails on the
    empty event, reported the way Lambda reports a function error)."""
    answer = invoke(runtime, function_arn("finish"), {}, own_credentials(runtime))
    assert answer.status_code == 200, answer.text
    assert answer.headers.get("X-Amz-Function-Error") == "Unhandled"


def test_only_registered_function_names_resolve(runtime: LocalRuntime, tmp_path: Path) -> None:
    """Even correctly signed, a function name is looked up among the names the runtime registered: no `..`,
    absolute or encoded path reaches a file, and the API function (which trusts the claims in its event) is not
    one of them."""
    evil = tmp_path / "evil"
    evil.mkdir()
    marker = tmp_path / "ran"
    (evil / "handler.py").write_text(f"open({str(marker)!r}, 'w').write('owned')\ndef handler(e, c): return 'owned'\n")
    own = own_credentials(runtime)
    depth = "../" * 12
    names = [
        f"{depth}{evil.relative_to('/')}",
        str(evil),
        f"forge-{depth}{evil.relative_to('/')}",
        f"{function_arn('x').rsplit(':', 1)[0]}:{depth}{evil.relative_to('/')}",
        quote(str(evil), safe=""),
    ]
    for name in names:
        answer = invoke(runtime, name, {}, own)
        assert answer.status_code == 404, (name, answer.status_code, answer.text)
        assert not marker.exists(), f"{name} loaded {evil}/handler.py"

    forged_admin = {
        "httpMethod": "GET",
        "path": "/api/v1/forge/approvers",
        "resource": "/api/v1/forge/approvers",
        "headers": {},
        "requestContext": {"authorizer": {"claims": {"sub": "mallory", "cognito:groups": "admin,ops"}}},
    }
    for name in ("forge-api", function_arn("api"), "forge-migrate", function_arn("rotate_keys")):
        answer = invoke(runtime, name, forged_admin, own)
        assert answer.status_code == 404, (name, answer.text)


def test_the_emulator_refuses_unsigned_ecs_calls(runtime: LocalRuntime) -> None:
    """RunTask, DescribeTasks and StopTask without the runtime's signature start, show and stop nothing."""
    started = ecs(runtime, "RunTask", run_task_request(), credentials=None)
    assert started.status_code == 403, started.text
    for action, request in (("DescribeTasks", {"tasks": ["x"]}), ("StopTask", {"task": "x"})):
        answer = ecs(runtime, action, request, credentials=None)
        assert answer.status_code == 403, (action, answer.text)
    forged = ecs(runtime, "RunTask", run_task_request(), Credentials("ak", "sk"))
    assert forged.status_code == 403, forged.text


def test_only_registered_task_definitions_run(runtime: LocalRuntime) -> None:
    """A signed RunTask of a task definition the runtime never registered starts nothing."""
    request = {**run_task_request(), "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/../../x:1"}
    answer = ecs(runtime, "RunTask", request, own_credentials(runtime))
    assert answer.status_code == 200, answer.text
    assert answer.json()["tasks"] == [], answer.text
    assert answer.json()["failures"], answer.text


def test_the_api_port_requires_a_token_it_issued(runtime: LocalRuntime, tmp_path: Path) -> None:
    """The API answers its protected paths only to bearer tokens signed by this FORGE_HOME's key."""
    from forge.local.tokens import LocalIssuer

    url = f"{runtime.api_url}/api/v1/forge/jobs"
    assert requests.get(url, timeout=10).status_code == 401
    foreign = LocalIssuer(tmp_path / "other-auth").mint("mallory", "admin")
    assert requests.get(url, headers={"Authorization": f"Bearer {foreign}"}, timeout=10).status_code == 401


def test_the_runtime_listens_only_on_its_two_loopback_ports(runtime: LocalRuntime) -> None:
    """No other TCP listener: the two ports above are the whole network surface of `forge up`."""
    listening = {
        (c.laddr.ip, c.laddr.port)
        for c in psutil.Process().net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    }
    api_port = int(runtime.api_url.rsplit(":", 1)[1])
    emulator_port = int(runtime.emulator_url.rsplit(":", 1)[1])
    assert listening == {("127.0.0.1", api_port), ("127.0.0.1", emulator_port)}


@pytest.fixture
def long_home() -> Iterator[Path]:
    """A FORGE_HOME whose path is too long for a Unix socket inside pgdata, so pgserver puts the socket in its
    shared runtime folder instead (a path any user can reach). Not under pytest's tmp dir (0700 for root)."""
    root = Path(tempfile.mkdtemp(prefix="forge-attack-pg-"))
    root.chmod(0o755)
    home = root / ("h" * 90)
    home.mkdir()
    yield home
    shutil.rmtree(root, ignore_errors=True)


def without_password(dsn: str) -> str:
    params = psycopg2.extensions.parse_dsn(dsn)
    params.pop("password", None)
    return psycopg2.extensions.make_dsn(**params)


def test_embedded_postgres_answers_only_the_forge(long_home: Path) -> None:
    """The embedded Postgres accepts no connection without the per-install password kept 0600 beside its data,
    whoever reaches its socket: neither another local user nor a process of the same user without the secret."""
    server = EmbeddedPostgres(long_home / "pgdata")
    dsn = server.start()
    try:
        with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
            cur.execute("SELECT current_user")
            assert cur.fetchone()[0] == "postgres"
        params = psycopg2.extensions.parse_dsn(dsn)
        host = params.get("host", "")
        psql = Path(__import__("pgserver").__file__).parent / "pginstall" / "bin" / "psql"
        intruder = as_nobody(
            [str(psql), "-w", "-h", host, "-U", "postgres", "-d", "forge", "-c", "SELECT count(*) FROM pg_database"]
        )
        assert intruder.returncode != 0, f"another user read the database through {host}: {intruder.stdout}"
        with pytest.raises(psycopg2.OperationalError):
            psycopg2.connect(without_password(dsn)).close()
        secret = server.password_file
        assert secret.is_file()
        assert (secret.stat().st_mode & 0o777) == 0o600
        assert os.environ.get("PGPASSWORD") is None
    finally:
        server.stop()
