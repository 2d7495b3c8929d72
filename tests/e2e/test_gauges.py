"""The local runtime emits the gauges on its own clock, from its own database."""

from __future__ import annotations

import time

from forge.local.runtime import LocalRuntime
from forge.pipeline.gauges import emit_gauges
from forge.wiring import default_deps


def test_the_runtime_reads_the_gauges_at_start(runtime: LocalRuntime) -> None:
    assert runtime.gauges is not None
    deadline = time.monotonic() + 10
    while runtime.gauges.ticks < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert runtime.gauges.ticks >= 1, "no gauge reading 10 s after start"
    # The reading the ticker makes is the one the Lambda handler makes: from the runtime's own database.
    readings = emit_gauges(default_deps())
    assert readings.jobs_running == 0 and readings.approvals_pending == 0
