"""The forge cluster's stopped Fargate tasks, routed to functions/task_stopped: a task that stopped before its reporter
answered (image pull failure, OOM kill, a crash) fails its workflow state with the stop reason at once, instead of the
state waiting for a heartbeat or its timeout (forge.pipeline.container.stopped_task)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.functions import FunctionSpec

TASK_STOPPED_FUNCTION = "task_stopped"
# Answers one token: no database, no bucket (FunctionSpec.database=False); a few seconds at most.
TASK_STOPPED_SPEC = FunctionSpec(timeout_seconds=30, memory_mb=256, database=False)


class TaskEvents(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, cluster: ecs.ICluster, function: lambda_.IFunction
    ) -> None:
        super().__init__(scope, construct_id)
        self.rule = events.Rule(
            self,
            "TaskStopped",
            description="Plugin Forge: a build, test or sandbox task stopped; fail its state unless it reported",
            event_pattern=events.EventPattern(
                source=["aws.ecs"],
                detail_type=["ECS Task State Change"],
                # Only this stack's cluster (it runs nothing but the forge's three task definitions).
                detail={"clusterArn": [cluster.cluster_arn], "lastStatus": ["STOPPED"]},
            ),
        )
        # EventBridge retries an invocation that failed (Step Functions throttled, the function cold and slow) for up
        # to an hour; a token answered meanwhile makes the retry a no-op.
        self.rule.add_target(targets.LambdaFunction(function, retry_attempts=8, max_event_age=Duration.hours(1)))
