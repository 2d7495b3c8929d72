"""The local runtime emits the gauges on its own clock, from its own database."""

from __future__ import annotations

from forge.local.runtime import LocalRuntime
from forge.pipeline.gauges import emit_gauges
from forge.wiring import default_deps
from tests.waiting import wait_until


def test_the_runtime_reads_the_gauges_at_start(runtime: LocalRuntime) -> None:
    assert runtime.gauges is not None
    ticker = runtime.gauges
    assert wait_until(lambda: ticker.ticks, lambda ticks: ticks >= 1, what="a gauge reading") >= 1
    # The reading the ticker makes is the one the Lambda handler makes: from the runtime's own database.
    readings = emit_gauges(default_deps())
    assert readings.jobs_running == 0
    assert readings.approvals_pending == 0
