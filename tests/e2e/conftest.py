"""A local runtime per test module: the real state machine on moto's engine, real Postgres, php,
phpunit, bubblewrap and SoftHSM2; only AWS's APIs are emulated."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from forge.cli.client import ForgeClient
from forge.config import reset_settings
from forge.local.runtime import LocalRuntime

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "woocommerce.yaml"


@pytest.fixture(scope="module")
def runtime(
    tmp_path_factory: pytest.TempPathFactory, new_database: Callable[[], str], softhsm: str
) -> Iterator[LocalRuntime]:
    mp = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("forge-home")
    mp.setenv("FORGE_HOME", str(home))
    mp.setenv("DATABASE_URL", new_database())
    mp.setenv("FORGE_MIN_APPROVALS", "2")
    reset_settings()
    rt = LocalRuntime(port=0)
    rt.start()
    yield rt
    rt.stop()
    mp.undo()
    reset_settings()


def client_for(rt: LocalRuntime, user: str, role: str = "ops") -> ForgeClient:
    return ForgeClient(rt.api_url, user=user, role=role)


def wait_for(client: ForgeClient, job_id: str, statuses: tuple[str, ...], timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        detail = client.job(job_id)
        if detail["job"]["status"] in statuses:
            return detail
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {detail['job']['status']} after {timeout}s: {detail['runs']}")
