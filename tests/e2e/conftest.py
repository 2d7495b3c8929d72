"""A local runtime per test module: the real state machine on moto's engine, real Postgres, php,
phpunit, bubblewrap and SoftHSM2; only AWS's APIs are emulated."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest

from forge.cli.client import ForgeClient
from forge.config import reset_settings
from forge.local.runtime import LocalRuntime
from tests.waiting import HANG, wait_until

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "woocommerce.yaml"


@contextmanager
def local_runtime(home: Path, database_url: str, **env: str) -> Iterator[LocalRuntime]:
    """A started runtime on its own FORGE_HOME and database, with `env` set while it runs."""
    mp = pytest.MonkeyPatch()
    mp.setenv("FORGE_HOME", str(home))
    mp.setenv("DATABASE_URL", database_url)
    for name, value in env.items():
        mp.setenv(name, value)
    reset_settings()
    rt = LocalRuntime(port=0)
    rt.start()
    try:
        yield rt
    finally:
        rt.stop()
        mp.undo()
        reset_settings()


@pytest.fixture(scope="module")
def runtime(
    tmp_path_factory: pytest.TempPathFactory, module_database: Callable[[], str], softhsm_token: dict[str, str]
) -> Iterator[LocalRuntime]:
    with local_runtime(
        tmp_path_factory.mktemp("forge-home"), module_database(), **softhsm_token, FORGE_MIN_APPROVALS="2"
    ) as rt:
        yield rt


def entered_states(execution_arn: str) -> list[str]:
    """The states an execution entered, in order, from its history."""
    events = boto3.client("stepfunctions").get_execution_history(executionArn=execution_arn, maxResults=1000)
    return [e["stateEnteredEventDetails"]["name"] for e in events["events"] if "stateEnteredEventDetails" in e]


def client_for(rt: LocalRuntime, user: str, role: str = "ops") -> ForgeClient:
    return ForgeClient(rt.api_url, user=user, role=role)


def wait_for(client: ForgeClient, job_id: str, statuses: tuple[str, ...], timeout: float = 180) -> dict[str, Any]:
    return wait_until(
        lambda: client.job(job_id),
        lambda detail: detail["job"]["status"] in statuses,
        timeout=max(timeout, HANG),
        what=f"job {job_id} {'/'.join(statuses)}",
    )
