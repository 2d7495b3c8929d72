"""EventBridge Scheduler: key rotation (functions/rotate_keys), the every-minute gauges (functions/gauges) and
workflow-callback sweeper (functions/workflow_callbacks), and the job reconciliation (functions/reconcile_jobs),
planned in one place. The database password rotates on its
secret's own rotation rule (infra/database.py)."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, Duration, TimeZone
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from constructs import Construct

from infra.functions import FunctionSpec
from infra.nag import acknowledge_wildcards, logical_id

# The Lambda handler rotation runs (issue 6); the stack names this path and the tests check it exists.
KEY_ROTATION_HANDLER = Path("functions") / "rotate_keys" / "handler.py"
# Quarterly key rotation: a new P-256 key behind the alias, the old one kept for verification (forge.signing).
KEY_ROTATION = scheduler.ScheduleExpression.cron(
    minute="0", hour="3", day="1", month="1,4,7,10", time_zone=TimeZone.ETC_UTC
)
# The queue and approval gauges (forge.pipeline.gauges): levels read from Postgres, so they need a clock.
GAUGES_FUNCTION = "gauges"
GAUGES_SPEC = FunctionSpec(timeout_seconds=30, memory_mb=256)
GAUGES = scheduler.ScheduleExpression.rate(Duration.minutes(1))
# The outbox of answers to waiting workflows (forge.pipeline.workflow_callbacks): what the deciding request could not
# deliver at once goes out within a minute.
WORKFLOW_CALLBACKS_FUNCTION = "workflow_callbacks"
WORKFLOW_CALLBACKS_SPEC = FunctionSpec(timeout_seconds=50, memory_mb=256)
WORKFLOW_CALLBACKS = scheduler.ScheduleExpression.rate(Duration.minutes(1))
# Executions that ended without recording their job's outcome (forge.pipeline.ended_executions): a separate concern from
# the callbacks above (those answer waiting workflows; this one closes jobs whose workflow is gone).
JOB_RECONCILIATION_FUNCTION = "reconcile_jobs"
JOB_RECONCILIATION_SPEC = FunctionSpec(timeout_seconds=120, memory_mb=256)
JOB_RECONCILIATION = scheduler.ScheduleExpression.rate(Duration.minutes(10))


class Schedules(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key_rotation: lambda_.IFunction | None,
        gauges: lambda_.IFunction,
        workflow_callbacks: lambda_.IFunction,
        job_reconciliation: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        # One role for the schedules, with exactly their targets (the default is a stack-wide shared role).
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
            ),
            description="Plugin Forge schedules: rotate the signing key, emit the gauges, deliver workflow callbacks, "
            "reconcile ended executions",
        )
        self.key_rotation: scheduler.Schedule | None = None
        if key_rotation is not None:
            self.key_rotation = self._invoke(
                "KeyRotation",
                key_rotation,
                KEY_ROTATION,
                "rotate the package signing key",
                retry_attempts=3,
                max_event_age=Duration.hours(6),
            )
        # A missed reading is superseded by the next one a minute later: retrying it would report a stale level.
        self.gauges = self._invoke(
            "Gauges",
            gauges,
            GAUGES,
            "emit the queue and approval gauges",
            retry_attempts=0,
            max_event_age=Duration.minutes(1),
        )
        # The next run a minute later is the retry; the callbacks' own backoff lives in the table.
        self.workflow_callbacks = self._invoke(
            "WorkflowCallbacks",
            workflow_callbacks,
            WORKFLOW_CALLBACKS,
            "deliver the approval and revocation callbacks still due",
            retry_attempts=0,
            max_event_age=Duration.minutes(1),
        )
        # A missed sweep is the next one's work; a job waits at most twenty minutes for its outcome.
        self.job_reconciliation = self._invoke(
            "JobReconciliation",
            job_reconciliation,
            JOB_RECONCILIATION,
            "record the outcome of executions that ended without one",
            retry_attempts=0,
            max_event_age=Duration.minutes(10),
        )

    def _invoke(
        self,
        construct_id: str,
        function: lambda_.IFunction,
        schedule: scheduler.ScheduleExpression,
        what: str,
        *,
        retry_attempts: int,
        max_event_age: Duration,
    ) -> scheduler.Schedule:
        """A schedule that invokes one function with the shared role, allowed to invoke that function only."""
        acknowledge_wildcards(
            self.role,
            (f"Resource::<{logical_id(function)}.Arn>:*",),
            f"Invoking any version of the function that does this ({what}), and only that function.",
        )
        return scheduler.Schedule(
            self,
            construct_id,
            description=f"Plugin Forge: {what}",
            schedule=schedule,
            target=targets.LambdaInvoke(
                function,
                input=scheduler.ScheduleTargetInput.from_object({"reason": "scheduled"}),
                retry_attempts=retry_attempts,
                max_event_age=max_event_age,
                role=self.role,
            ),
        )
