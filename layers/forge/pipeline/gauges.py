"""The specification's gauges: forge_jobs_queued, forge_jobs_running, forge_approvals_pending.

Counters and durations are emitted where things happen; a gauge is a level, so it is read from Postgres on a
clock instead (EventBridge Scheduler every minute in AWS, a timer thread in the local runtime).
"""

from __future__ import annotations

from forge.models.gauges import GaugeReadings
from forge.observability import emit_metric, logger
from forge.pipeline.deps import PipelineDeps


def emit_gauges(deps: PipelineDeps) -> GaugeReadings:
    readings = deps.repos.gauges.read()
    # Spelled out, not looped: tests/infra checks the dashboard against the emit_metric calls in the source.
    emit_metric("forge_jobs_queued", readings.jobs_queued)
    emit_metric("forge_jobs_running", readings.jobs_running)
    emit_metric("forge_approvals_pending", readings.approvals_pending)
    logger.debug("gauges emitted", extra=readings.model_dump())
    return readings
