"""The three gauges read from a real Postgres, emitted as EMF, by the Lambda handler and by the local ticker."""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from forge.db.connection import Database
from forge.db.repositories import PostgresRepositories as Repositories
from forge.local.ticker import Ticker
from forge.models.gauges import GaugeReadings
from forge.models.job import JobStatus, Step
from forge.models.spec import PluginSpec, load_spec
from forge.pipeline.gauges import emit_gauges
from forge.wiring import reset_deps
from tests.waiting import HANG

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def spec() -> PluginSpec:
    return load_spec(REPO / "examples" / "woocommerce.yaml")


def _emf(out: str) -> dict[str, float]:
    """{metric: value} of every EMF document on stdout."""
    values: dict[str, float] = {}
    for line in out.splitlines():
        if line.startswith("{") and "_aws" in line:
            doc = json.loads(line)
            for metric in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
                value = doc[metric["Name"]]
                # Powertools writes a single-metric value as a one-element list.
                values[metric["Name"]] = value[0] if isinstance(value, list) else value
    return values


def _populate(repos: Repositories, spec: PluginSpec) -> None:
    """2 queued, 1 running, 1 awaiting approval with a pending request, 1 finished (with a decided request)."""
    jobs = [repos.jobs.create(spec.model_copy(update={"version": f"1.0.{i}"}), "ops", None)[0] for i in range(5)]
    repos.jobs.started(jobs[2].id, "arn:running")
    repos.jobs.started(jobs[3].id, "arn:waiting")
    repos.jobs.at_step(jobs[3].id, Step.APPROVAL)
    repos.approvals.open_request(jobs[3].plugin_package_id, jobs[3].id, "ops", 2, "token-3", 3600)
    repos.jobs.awaiting_approval(jobs[3].id)
    repos.jobs.started(jobs[4].id, "arn:done")
    decided = repos.approvals.open_request(jobs[4].plugin_package_id, jobs[4].id, "ops", 2, "token-4", 3600)
    repos.approvals.db.execute(
        "UPDATE approval_requests SET status = 'approved', decided_at = now() WHERE id = %s", (decided.id,)
    )
    repos.jobs.finish(jobs[4].id, JobStatus.SUCCESS)


def test_an_empty_forge_reads_zero_everywhere(db: Database) -> None:
    assert Repositories.on(db).gauges.read() == GaugeReadings(jobs_queued=0, jobs_running=0, approvals_pending=0)


def test_gauges_count_by_status_and_are_emitted_as_emf(
    db: Database, spec: PluginSpec, capsys: pytest.CaptureFixture[str]
) -> None:
    repos = Repositories.on(db)
    _populate(repos, spec)
    readings = emit_gauges(SimpleNamespace(repos=repos))  # type: ignore[arg-type]
    assert readings == GaugeReadings(jobs_queued=2, jobs_running=1, approvals_pending=1)
    assert _emf(capsys.readouterr().out) == {
        "forge_jobs_queued": 2,
        "forge_jobs_running": 1,
        "forge_approvals_pending": 1,
    }


def test_the_lambda_handler_emits_the_gauges_of_its_database(
    forge_env: Path, db: Database, spec: PluginSpec, capsys: pytest.CaptureFixture[str]
) -> None:
    _populate(Repositories.on(db), spec)
    loaded = importlib.util.spec_from_file_location("gauges_handler", REPO / "functions" / "gauges" / "handler.py")
    assert loaded is not None
    assert loaded.loader is not None
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    context = SimpleNamespace(
        function_name="gauges", memory_limit_in_mb=256, invoked_function_arn="arn:gauges", aws_request_id="r-1"
    )
    reset_deps()
    try:
        result = module.handler({"reason": "scheduled"}, context)
    finally:
        reset_deps()
    assert result == {"jobs_queued": 2, "jobs_running": 1, "approvals_pending": 1}
    assert _emf(capsys.readouterr().out)["forge_jobs_queued"] == 2


def test_the_ticker_reads_at_once_then_on_its_interval_and_survives_a_failed_reading() -> None:
    calls: list[float] = []
    third = threading.Event()

    def tick() -> Any:
        calls.append(time.monotonic())
        if len(calls) == 2:
            raise RuntimeError("database restarting")
        if len(calls) >= 3:
            third.set()

    ticker = Ticker(tick, interval_seconds=0.05)
    ticker.start()
    thread = ticker._thread
    try:
        assert third.wait(HANG), f"only {len(calls)} readings"
    finally:
        ticker.stop()
    stopped_at = len(calls)
    # stop() returns once the ticker's thread has ended: nothing is left to read again, however long one waits.
    assert thread is not None, "the ticker kept reading after stop()"
    assert not thread.is_alive(), "the ticker kept reading after stop()"
    assert len(calls) == stopped_at, "the ticker kept reading after stop()"
    assert ticker.ticks >= 2  # the failed reading is not counted, and did not end the thread
    assert calls[1] - calls[0] >= 0.04


def test_a_non_positive_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        Ticker(lambda: None, interval_seconds=0)
