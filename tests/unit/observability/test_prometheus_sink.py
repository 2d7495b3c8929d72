"""The local /metrics sink: each family keeps the labels it was declared with, and the one metric the forge emits in
two shapes on purpose (forge_jobs_duration_seconds: the job's total, and per step for the CloudWatch dashboard)
neither breaks the family nor fills the log with a warning per step per job."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from forge.local.prometheus_metrics import PrometheusSink
from forge.models.job import Run, RunStatus, Step
from forge.pipeline.outcome import emit_job_durations


def _samples(sink: PrometheusSink) -> dict[str, float]:
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in sink.exposition().decode().splitlines()
        if line and not line.startswith("#")
    }


def _run(step: Step, seconds: float) -> Run:
    now = datetime.now(UTC)
    return Run(
        id=uuid4(),
        job_id=uuid4(),
        step=step,
        attempt=1,
        status=RunStatus.SUCCESS,
        started_at=now,
        finished_at=now,
        duration_ms=int(seconds * 1000),
    )


def test_a_jobs_step_durations_stay_out_of_the_total_without_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr("forge.local.prometheus_metrics.logger.warning", lambda msg, **_kw: warnings.append(msg))
    sink = PrometheusSink()
    sink.attach()
    try:
        emit_job_durations([_run(Step.GENERATE, 1.5), _run(Step.BUILD, 1.5), _run(Step.APPROVAL, 3600)])
    finally:
        sink.detach()
    samples = _samples(sink)
    assert samples["forge_jobs_duration_seconds_count"] == 1
    assert samples["forge_jobs_duration_seconds_sum"] == 3.0  # generate + build, not the approval wait
    assert warnings == []


def test_a_metric_with_labels_it_was_not_declared_with_is_refused_with_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr("forge.local.prometheus_metrics.logger.warning", lambda msg, **_kw: warnings.append(msg))
    sink = PrometheusSink()
    sink("forge_jobs_total", 1, "Count", {"status": "success", "cms": "woocommerce"})
    assert warnings == ["metric emitted with other dimensions than before"]
    assert 'forge_jobs_total{cms="woocommerce"' not in sink.exposition().decode()
