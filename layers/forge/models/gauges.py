"""The three point-in-time counts the specification's gauges report (forge.pipeline.gauges)."""

from __future__ import annotations

from pydantic import BaseModel, NonNegativeInt


class GaugeReadings(BaseModel):
    jobs_queued: NonNegativeInt
    jobs_running: NonNegativeInt
    approvals_pending: NonNegativeInt
