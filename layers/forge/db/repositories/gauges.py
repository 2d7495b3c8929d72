"""The three point-in-time counts the specification's gauges report, read in one round trip."""

from __future__ import annotations

from forge.db.connection import Database
from forge.db.errors import translates_driver_errors
from forge.models.gauges import GaugeReadings


@translates_driver_errors
class GaugeQueries:
    def __init__(self, db: Database) -> None:
        self.db = db

    def read(self) -> GaugeReadings:
        # One statement, so the three numbers come from one snapshot; both filters use the status indexes.
        row = self.db.fetchone(
            """SELECT (SELECT count(*) FROM forge_jobs WHERE status = 'queued') AS jobs_queued,
                      (SELECT count(*) FROM forge_jobs WHERE status = 'running') AS jobs_running,
                      (SELECT count(*) FROM approval_requests WHERE status = 'pending') AS approvals_pending"""
        )
        return GaugeReadings.model_validate(row)
