"""The seed's SLOs as CloudWatch alarms on the metrics the library emits (forge.observability, EMF), a dashboard.

Metric names and dimensions are what forge.observability.emit_metric writes: namespace PluginForge, dimension
`service` on every metric, plus `status` on forge_jobs_total (CloudWatch matches the exact dimension set).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from forge.models.job import PIPELINE, Step
from infra.context import METRICS_NAMESPACE, SERVICE, ForgeContext

HOUR = Duration.hours(1)
MINUTE = Duration.minutes(1)
# The levels forge.pipeline.gauges emits every minute (functions/gauges on the schedule of infra/schedules.py).
GAUGES = ("forge_jobs_queued", "forge_jobs_running", "forge_approvals_pending")


@dataclass(frozen=True)
class Slo:
    """One row of the seed's SLO table: what is alerted on, and when."""

    name: str
    description: str
    threshold: float
    comparison: cloudwatch.ComparisonOperator


SLOS = {
    "success_rate": Slo(
        "JobSuccessRate",
        "Job success rate below 90% over 1 h (SLO: >= 95%)",
        90,
        cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    ),
    "job_duration": Slo(
        "JobDuration",
        "Average job duration above 20 min over 1 h (SLO: <= 15 min): the pipeline's own time, without the approval "
        "wait (forge_jobs_duration_seconds without a step label)",
        20 * 60,
        cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    ),
    "approval_p95": Slo(
        "ApprovalTimeP95",
        "Approval time p95 above 4 h over 1 h (SLO: <= 2 h)",
        4 * 3600,
        cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    ),
    "signing_failure": Slo(
        "SigningFailure",
        "A package signing failed (SLO: 100% signing success)",
        1,
        cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ),
}


def forge_metric(name: str, statistic: str, period: Duration = HOUR, **dimensions: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": SERVICE, **dimensions},
        statistic=statistic,
        period=period,
    )


# Not an SLO: a signal that someone may be guessing an approver's TOTP codes (forge.auth.mfa locks after 5).
MFA_LOCKOUT_ALARM = (
    "An approver was locked after failed MFA codes: someone may be guessing their codes. "
    "Check `forge approver events NAME` with the approver before `forge approver unlock NAME`"
)
# Signs of an attack rather than a missed objective: one occurrence in five minutes pages someone.
SECURITY_SIGNALS = {
    "forge_mfa_lockouts_total": ("MfaLockout", MFA_LOCKOUT_ALARM),
    "forge_approval_verification_failures_total": (
        "ApprovalVerificationFailure",
        "Approval rows that do not verify (forged, copied or tampered) reached an approval or Publish: investigate",
    ),
    "forge_signing_key_compromises_total": (
        "SigningKeyCompromised",
        "A signing key was marked compromised: everyone who can must know, and what it signed must be reviewed",
    ),
    "forge_publication_retraction_failures_total": (
        "RetractionFailure",
        "A revoked package is still offered by a marketplace (its retraction failed or waits on a person): see "
        "`forge publications list PACKAGE`; failed retractions are retried every minute",
    ),
    "forge_publications_refused_total": (
        "PublicationRefused",
        "A release that does not verify as a merchant checks it (unapproved, revoked or altered) reached a "
        "marketplace connector and was refused: investigate",
    ),
}
# Not attacks, but left alone they hurt: one occurrence pages someone too.
OPERATIONAL_SIGNALS = {
    "forge_tasks_stopped_unreported_total": (
        "TaskStoppedUnreported",
        "A Build/Test/Sandbox Fargate task stopped without reporting (image pull, OOM kill, crash): its job failed",
    ),
    "forge_secret_rotation_overdue_total": (
        "MarketplaceCredentialRotationOverdue",
        "A marketplace credential in forge_secrets is past its rotation_schedule: rotate it in its store",
    ),
}


class Observability(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, state_machine: sfn.IStateMachine, context: ForgeContext
    ) -> None:
        super().__init__(scope, construct_id)
        # A customer key: CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key.
        topic_key = kms.Key(self, "AlarmTopicKey", enable_key_rotation=True, description="Plugin Forge alarm topic")
        topic_key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
        self.topic = sns.Topic(self, "AlarmTopic", master_key=topic_key, enforce_ssl=True)
        if context.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(context.alarm_email))

        success = forge_metric("forge_jobs_total", "Sum", status="success")
        failed = forge_metric("forge_jobs_total", "Sum", status="failed")
        success_rate = cloudwatch.MathExpression(
            expression="100 * FILL(success, 0) / (FILL(success, 0) + FILL(failed, 0))",
            using_metrics={"success": success, "failed": failed},
            period=HOUR,
            label="job success rate (%)",
        )
        duration = forge_metric("forge_jobs_duration_seconds", "Average")
        approval_p95 = forge_metric("forge_approval_seconds", "p95")
        signing_failures = forge_metric("forge_signing_failures_total", "Sum", period=Duration.minutes(5))
        measured: dict[str, cloudwatch.IMetric] = {
            "success_rate": success_rate,
            "job_duration": duration,
            "approval_p95": approval_p95,
            "signing_failure": signing_failures,
        }
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for key, slo in SLOS.items():
            alarm = cloudwatch.Alarm(
                self,
                f"{slo.name}Alarm",
                alarm_description=slo.description,
                metric=measured[key],
                threshold=slo.threshold,
                comparison_operator=slo.comparison,
                evaluation_periods=1,
                # No jobs, no approvals, no signing: nothing is wrong.
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(actions.SnsAction(self.topic))
            self.alarms[key] = alarm
        for metric_name, (name, description) in {**SECURITY_SIGNALS, **OPERATIONAL_SIGNALS}.items():
            alarm = cloudwatch.Alarm(
                self,
                f"{name}Alarm",
                alarm_description=description,
                metric=forge_metric(metric_name, "Sum", period=Duration.minutes(5)),
                threshold=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(actions.SnsAction(self.topic))
            self.alarms[metric_name] = alarm

        # Where a job's time goes, step by step (the seed's `step` label); the approval wait on its own axis.
        self.step_durations = {
            step: forge_metric("forge_jobs_duration_seconds", "Average", step=step.value) for step in PIPELINE
        }
        working = [m for step, m in self.step_durations.items() if step is not Step.APPROVAL]
        self.dashboard_step_widget = cloudwatch.GraphWidget(
            title="Average time per step (s)", left=working, right=[self.step_durations[Step.APPROVAL]], width=24
        )
        mfa_failures = forge_metric("forge_mfa_failures_total", "Sum", period=Duration.minutes(5))
        mfa_lockouts = forge_metric("forge_mfa_lockouts_total", "Sum", period=Duration.minutes(5))

        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name="PluginForge")
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(
                title="SLO and security alarms", alarms=list(self.alarms.values()), width=24, height=3
            )
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Job success rate (%)", left=[success_rate], width=8),
            cloudwatch.GraphWidget(title="Jobs", left=[success, failed], width=8),
            cloudwatch.GraphWidget(title="Average job duration (s)", left=[duration], width=8),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Approval time p95 (s)", left=[approval_p95], width=8),
            cloudwatch.GraphWidget(title="Signing failures", left=[signing_failures], width=8),
            cloudwatch.GraphWidget(
                title="Executions",
                left=[
                    state_machine.metric_started(period=HOUR),
                    state_machine.metric_succeeded(period=HOUR),
                    state_machine.metric_failed(period=HOUR),
                    state_machine.metric_timed_out(period=HOUR),
                ],
                width=8,
            ),
        )
        # Maximum per minute: one reading a minute, and the peak is what a queue or an approval backlog looks like.
        self.gauges = {name: forge_metric(name, "Maximum", period=MINUTE) for name in GAUGES}
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Jobs queued / running",
                left=[self.gauges["forge_jobs_queued"], self.gauges["forge_jobs_running"]],
                width=12,
            ),
            cloudwatch.GraphWidget(title="Approvals pending", left=[self.gauges["forge_approvals_pending"]], width=12),
        )
        self.dashboard.add_widgets(self.dashboard_step_widget)
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Failed MFA codes / approvers locked", left=[mfa_failures, mfa_lockouts], width=12
            )
        )
