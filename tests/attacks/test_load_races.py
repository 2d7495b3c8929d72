"""Races under load on a whole local runtime: a burst of identical submissions makes one job, a burst of approvals
releases the workflow once. bench/load.py measures the same at a larger scale beside 20 jobs at once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from forge.cli.client import ApiError, ForgeClient, spec_payload
from forge.local.runtime import LocalRuntime
from tests.e2e.conftest import EXAMPLE, local_runtime, wait_for

POSTS = 100
APPROVERS = 20


@pytest.fixture(scope="module")
def runtime(
    tmp_path_factory: pytest.TempPathFactory, module_database: Callable[[], str], softhsm_token: dict[str, str]
) -> Iterator[LocalRuntime]:
    with local_runtime(tmp_path_factory.mktemp("forge-home"), module_database(), **softhsm_token) as rt:
        yield rt


def _at_once(count: int, call: Callable[[int], Any]) -> list[Any]:
    """`count` calls released together by a barrier, each on its own thread and connection."""
    barrier = threading.Barrier(count)

    def run(i: int) -> Any:
        barrier.wait()
        return call(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_a_hundred_identical_submissions_at_once_make_one_job(runtime: LocalRuntime, tmp_path: Path) -> None:
    payload = spec_payload(EXAMPLE)
    clients = [ForgeClient(runtime.api_url, user="burst-ops") for _ in range(POSTS)]
    answers = _at_once(POSTS, lambda i: clients[i].submit(payload, idempotency_key="one-burst")["id"])
    assert len(answers) == POSTS, "some submissions got no answer"
    assert len(set(answers)) == 1, f"{len(set(answers))} jobs for one Idempotency-Key"
    listed = clients[0].jobs(requested_by="burst-ops", limit=100)["items"]
    assert [j["id"] for j in listed] == answers[:1]


def test_twenty_approvals_at_once_release_the_workflow_once(runtime: LocalRuntime) -> None:
    ops = ForgeClient(runtime.api_url, user="race-ops")
    job_id = ops.submit(spec_payload(EXAMPLE))["id"]
    request = wait_for(ops, job_id, ("awaiting_approval",))["approval_request"]["id"]
    approvers = [ForgeClient(runtime.api_url, user=f"racer{i:02d}") for i in range(APPROVERS)]

    def approve(i: int) -> bool | str:
        try:
            return bool(approvers[i].decide(request, True)["released"])
        except ApiError as exc:  # a decision after the request closed: refused, which is fine
            return f"{exc.status}"

    answers = _at_once(APPROVERS, approve)
    assert answers.count(True) == 1, f"released {answers.count(True)} times: {answers}"
    assert all(a is False or a == "409" for a in answers if a is not True), answers
    detail = wait_for(ops, job_id, ("success", "failed"))
    assert detail["job"]["status"] == "success", detail["job"]["error"]
    assert [r["status"] for r in detail["runs"] if r["step"] == "publish"] == ["success"]
