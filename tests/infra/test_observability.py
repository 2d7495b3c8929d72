"""The seed's SLOs as alarms on the metrics the library really emits, an alarm topic and a dashboard."""

from __future__ import annotations

import json
import re
from typing import Any

from infra.context import METRICS_NAMESPACE, SERVICE
from infra.observability import GAUGES, MFA_LOCKOUT_ALARM, OPERATIONAL_SIGNALS, SECURITY_SIGNALS, SLOS
from infra.stack import REPO_ROOT
from tests.infra.synthesis import Synth


def _emitted() -> dict[str, set[str]]:
    """{metric name: dimension names} for every emit_metric call in the library's source."""
    found: dict[str, set[str]] = {}
    call = re.compile(r'emit_metric\(\s*"([a-z_]+)"([^)]*)\)')
    for path in (REPO_ROOT / "layers" / "forge").rglob("*.py"):
        for name, rest in call.findall(path.read_text()):
            found.setdefault(name, set()).update(re.findall(r"(\w+)=", rest))
    return found


def _alarms(synth: Synth) -> dict[str, dict[str, Any]]:
    return {
        a["Properties"]["AlarmDescription"]: a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()
    }


def _metric_stats(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    if "MetricName" in alarm:
        return [{"Metric": {k: alarm[k] for k in ("MetricName", "Namespace", "Dimensions")}}]
    return [q["MetricStat"] for q in alarm["Metrics"] if "MetricStat" in q]


def test_one_alarm_per_slo_with_the_seeds_thresholds(synth: Synth) -> None:
    alarms = _alarms(synth)
    assert len(alarms) == len(SLOS) + len(SECURITY_SIGNALS) + len(OPERATIONAL_SIGNALS) == 11
    by_metric = {}
    for alarm in alarms.values():
        for stat in _metric_stats(alarm):
            by_metric.setdefault(stat["Metric"]["MetricName"], alarm)
    success = by_metric["forge_jobs_total"]
    assert success["ComparisonOperator"] == "LessThanThreshold"
    assert success["Threshold"] == 90
    (expression,) = [q for q in success["Metrics"] if "Expression" in q]
    assert expression["Expression"].startswith("100 * FILL(success, 0)")
    assert {q["MetricStat"]["Period"] for q in success["Metrics"] if "MetricStat" in q} == {3600}
    duration = by_metric["forge_jobs_duration_seconds"]
    assert duration["Statistic"] == "Average"
    assert duration["Threshold"] == 1200
    assert duration["ComparisonOperator"] == "GreaterThanThreshold"
    assert duration["Period"] == 3600
    approval = by_metric["forge_approval_seconds"]
    assert approval["ExtendedStatistic"] == "p95"
    assert approval["Threshold"] == 4 * 3600
    forged = by_metric["forge_approval_verification_failures_total"]
    assert forged["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert forged["Threshold"] == 1
    assert forged["Statistic"] == "Sum"
    assert forged["Period"] == 300
    signing = by_metric["forge_signing_failures_total"]
    assert signing["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert signing["Threshold"] == 1
    for alarm in alarms.values():
        assert alarm["TreatMissingData"] == "notBreaching"


def test_alarms_watch_exactly_what_the_library_emits(synth: Synth) -> None:
    emitted = _emitted()
    for alarm in _alarms(synth).values():
        for stat in _metric_stats(alarm):
            metric = stat["Metric"]
            assert metric["Namespace"] == METRICS_NAMESPACE
            dimensions = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
            # Powertools adds `service`; CloudWatch matches the whole dimension set, so it must be exact.
            assert dimensions.pop("service") == SERVICE
            assert set(dimensions) == emitted[metric["MetricName"]], metric["MetricName"]


def test_a_single_approver_lockout_raises_an_alarm(synth: Synth) -> None:
    alarm = _alarms(synth)[MFA_LOCKOUT_ALARM]
    assert alarm["MetricName"] == "forge_mfa_lockouts_total"
    assert alarm["Statistic"] == "Sum"
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["Threshold"] == 1
    assert alarm["Period"] == 300
    assert alarm["EvaluationPeriods"] == 1
    (dashboard,) = synth.of_type("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert "forge_mfa_failures_total" in body
    assert "forge_mfa_lockouts_total" in body


def test_alarms_notify_an_encrypted_topic(synth: Synth) -> None:
    topic = synth.logical_id(synth.stack.observability.topic)
    assert synth.resources[topic]["Properties"]["KmsMasterKeyId"]
    for alarm in _alarms(synth).values():
        assert alarm["AlarmActions"] == [{"Ref": topic}]


def test_dashboard_shows_the_slos_and_the_executions(synth: Synth) -> None:
    (dashboard,) = synth.of_type("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for metric in ("forge_jobs_total", "forge_jobs_duration_seconds", "forge_approval_seconds", "ExecutionsFailed"):
        assert metric in body, metric


def test_dashboard_graphs_the_three_gauges_the_library_emits(synth: Synth) -> None:
    emitted = _emitted()
    (dashboard,) = synth.of_type("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for gauge in GAUGES:
        # Emitted with `service` only, which is the dimension set the dashboard asks for.
        assert emitted[gauge] == set(), gauge
        assert f'\\"{gauge}\\",\\"service\\",\\"{SERVICE}\\"' in body, gauge
    assert set(GAUGES) == {"forge_jobs_queued", "forge_jobs_running", "forge_approvals_pending"}
