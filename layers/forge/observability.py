"""The Powertools logger and metrics every module shares (the Lambda tracer: forge.tracing).

The metric names are the specification's (forge_jobs_total, forge_step_duration_seconds, ...). emit_metric is the
one metrics API: every emission is written as EMF (CloudWatch in AWS, the JSON log locally) and handed to the
sinks added with add_metric_sink (the local runtime's Prometheus registry, served at GET /metrics).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from aws_lambda_powertools import Logger, Metrics

SERVICE = "plugin-forge"
NAMESPACE = "PluginForge"

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", SERVICE)
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE)
# X-Ray exists in AWS only; locally the tracer would only warn about a missing daemon.
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "false" if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") else "true")

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

# (name, value, unit, dimensions): a second destination for every metric.
MetricSink = Callable[[str, float, str, dict[str, str]], None]
_sinks: list[MetricSink] = []


def add_metric_sink(sink: MetricSink) -> None:
    _sinks.append(sink)


def remove_metric_sink(sink: MetricSink) -> None:
    if sink in _sinks:
        _sinks.remove(sink)


def emit_metric(name: str, value: float, unit: str = "Count", **dimensions: str) -> None:
    """One metric, flushed at once as EMF: safe from the many threads of the local runtime, where a
    shared Metrics buffer would mix dimensions between concurrent steps."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(name=name, unit=MetricUnit(unit), value=value, namespace=NAMESPACE) as metric:
        for key, dim in dimensions.items():
            metric.add_dimension(name=key, value=dim)
    for sink in tuple(_sinks):
        try:
            sink(name, value, unit, dimensions)
        except Exception:  # a metric sink must never fail the work it measures (logged with its traceback)
            logger.exception("a metric sink failed", extra={"metric": name})
