"""EventBridge Scheduler: key rotation (functions/rotate_keys) and database secret rotation, planned in one place."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, Duration, TimeZone
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.nag import acknowledge_wildcards, logical_id

# The Lambda handler rotation runs (issue 6); the stack names this path and the tests check it exists.
KEY_ROTATION_HANDLER = Path("functions") / "rotate_keys" / "handler.py"
# Quarterly key rotation: a new P-256 key behind the alias, the old one kept for verification (forge.signing).
KEY_ROTATION = scheduler.ScheduleExpression.cron(
    minute="0", hour="3", day="1", month="1,4,7,10", time_zone=TimeZone.ETC_UTC
)
# Monthly database password rotation through the secret's hosted rotation function (infra/database.py).
SECRET_ROTATION = scheduler.ScheduleExpression.rate(Duration.days(30))


class Schedules(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        database_secret: secretsmanager.ISecret,
        key_rotation: lambda_.IFunction | None,
    ) -> None:
        super().__init__(scope, construct_id)
        # One role for both schedules, with exactly their two targets (the default is a stack-wide shared role).
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
            ),
            description="Plugin Forge schedules: rotate the signing key and the database secret",
        )
        self.key_rotation: scheduler.Schedule | None = None
        if key_rotation is not None:
            self.key_rotation = scheduler.Schedule(
                self,
                "KeyRotation",
                description="Plugin Forge: rotate the package signing key",
                schedule=KEY_ROTATION,
                target=targets.LambdaInvoke(
                    key_rotation,
                    input=scheduler.ScheduleTargetInput.from_object({"reason": "scheduled"}),
                    retry_attempts=3,
                    max_event_age=Duration.hours(6),
                    role=self.role,
                ),
            )
            acknowledge_wildcards(
                self.role,
                (f"Resource::<{logical_id(key_rotation)}.Arn>:*",),
                "Invoking any version of the key rotation function, and only that function.",
            )
        self.secret_rotation = scheduler.Schedule(
            self,
            "SecretRotation",
            description="Plugin Forge: rotate the database credentials",
            schedule=SECRET_ROTATION,
            target=targets.Universal(
                service="secretsmanager",
                action="rotateSecret",
                input=scheduler.ScheduleTargetInput.from_object({"SecretId": database_secret.secret_arn}),
                # Only this secret (the default statement would allow RotateSecret on every secret).
                policy_statements=[
                    iam.PolicyStatement(actions=["secretsmanager:RotateSecret"], resources=[database_secret.secret_arn])
                ],
                retry_attempts=3,
                role=self.role,
            ),
        )
