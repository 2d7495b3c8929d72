"""The local runtime's second metrics sink: every forge.observability.emit_metric call, kept in a Prometheus registry
and served as the text exposition format at GET /metrics on the API's port (docs/observability.md).

The kind follows the name and unit: the three gauges are levels (set), a "Seconds" metric is a duration (a
histogram), anything else counts (a counter increased by the value). Label names are the EMF dimensions. What a
label may hold is the forge's own vocabulary (statuses, steps, platforms, backends): no identifier, no user name and
no secret is ever a dimension, and FAMILIES names the dimensions each of the specification's metrics may carry.
"""

from __future__ import annotations

import threading

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics import MetricWrapperBase

from forge.observability import add_metric_sink, logger, remove_metric_sink

GAUGES = ("forge_jobs_queued", "forge_jobs_running", "forge_approvals_pending")
# Pipeline steps take seconds to minutes; a whole job minutes; an approval hours.
DURATION_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 3600, 4 * 3600, 24 * 3600, 72 * 3600)

# The specification's families, declared at start so a scrape shows each one (at zero) before it happens.
FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "forge_jobs_total": ("Jobs finished, by final status", ("status",)),
    "forge_jobs_submitted_total": ("Jobs submitted, by platform", ("cms",)),
    "forge_packages_total": ("Packages published, by platform", ("cms",)),
    "forge_step_failures_total": ("Failed step runs, by step", ("step",)),
    "forge_signing_failures_total": ("Jobs failed at signing", ()),
    "forge_signing_key_rotations_total": ("Signing key rotations, by backend", ("backend",)),
    "forge_packages_revoked_total": ("Packages revoked", ()),
    "forge_jobs_duration_seconds": ("Duration of successful jobs, start to publish", ()),
    "forge_step_duration_seconds": ("Duration of step runs, by step", ("step",)),
    "forge_approval_seconds": ("Time from an approval request to its decision", ()),
    "forge_jobs_queued": ("Jobs queued now", ()),
    "forge_jobs_running": ("Jobs running now", ()),
    "forge_approvals_pending": ("Approval requests pending now", ()),
}

# Shapes emitted on purpose for CloudWatch only: a job's time per step, which the dashboard charts. A Prometheus family
# has one label set, and here a step's time is forge_step_duration_seconds{step} (docs/observability.md), so these are
# left out quietly; any other shape is a mistake worth a warning.
CLOUDWATCH_ONLY: frozenset[tuple[str, tuple[str, ...]]] = frozenset({("forge_jobs_duration_seconds", ("step",))})


class PrometheusSink:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._families: dict[str, tuple[MetricWrapperBase, tuple[str, ...]]] = {}
        self._lock = threading.Lock()
        for name, (description, labels) in FAMILIES.items():
            self._family(name, "Seconds" if name.endswith("_seconds") else "Count", labels, description)

    def _family(
        self, name: str, unit: str, labels: tuple[str, ...], description: str = ""
    ) -> tuple[MetricWrapperBase, tuple[str, ...]]:
        with self._lock:
            known = self._families.get(name)
            if known is not None:
                return known
            doc = description or name.replace("_", " ")
            family: MetricWrapperBase
            if name in GAUGES:
                family = Gauge(name, doc, labels, registry=self.registry)
            elif unit == "Seconds":
                family = Histogram(name, doc, labels, registry=self.registry, buckets=DURATION_BUCKETS)
            else:
                family = Counter(name, doc, labels, registry=self.registry)
            self._families[name] = (family, labels)
            return family, labels

    def __call__(self, name: str, value: float, unit: str, dimensions: dict[str, str]) -> None:
        shape = tuple(sorted(dimensions))
        if (name, shape) in CLOUDWATCH_ONLY:
            return
        family, labels = self._family(name, unit, shape)
        if set(labels) != set(dimensions):
            logger.warning("metric emitted with other dimensions than before", extra={"metric": name})
            return
        child = family.labels(**dimensions) if labels else family
        if isinstance(child, Gauge):
            child.set(value)
        elif isinstance(child, Histogram):
            child.observe(value)
        elif isinstance(child, Counter):
            child.inc(value)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def attach(self) -> None:
        add_metric_sink(self)

    def detach(self) -> None:
        remove_metric_sink(self)
