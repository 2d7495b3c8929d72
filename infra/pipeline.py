"""The Step Functions state machine: statemachine/forge.asl.json as it is, with AWS values for its placeholders.

The ASL file is the only description of the workflow (the local runtime runs the same file on moto's engine);
this construct supplies DefinitionSubstitutions and IAM, never states.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from forge.workflow.definition import placeholders
from infra.containers import Containers
from infra.functions import Functions, placeholder
from infra.nag import NO_RESOURCE_LEVEL, acknowledge_wildcards, logical_id
from infra.network import Network

DEFINITION = Path("statemachine") / "forge.asl.json"


class Pipeline(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repo_root: Path,
        network: Network,
        functions: Functions,
        containers: Containers,
    ) -> None:
        super().__init__(scope, construct_id)
        definition = repo_root / DEFINITION
        substitutions = self.substitutions(network, functions, containers)
        wanted = placeholders(definition.read_text(encoding="utf-8"))
        missing, unused = wanted - substitutions.keys(), substitutions.keys() - wanted
        if missing or unused:
            # Step Functions would reject an unresolved ${...} only at deploy time; say it here.
            raise ValueError(
                f"{DEFINITION} and infra/pipeline.py disagree: no substitution for {sorted(missing)}, "
                f"substitutions the definition does not use: {sorted(unused)}"
            )

        # A known name gives a known ARN (arn:<partition>:states:<region>:<account>:stateMachine:<name>), so the
        # functions the definition invokes can be granted SendTask* on exactly this state machine without a
        # reference to it: a reference would loop (state machine -> function ARN -> its role's policy ->
        # state machine ARN) and CloudFormation rejects cycles.
        self.state_machine_name = f"{Stack.of(self).stack_name}-workflow"
        self.reference = sfn.StateMachine.from_state_machine_name(self, "Reference", self.state_machine_name)

        self.log_group = logs.LogGroup(self, "Logs", retention=logs.RetentionDays.ONE_MONTH)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=self.state_machine_name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_file(str(definition)),
            definition_substitutions=substitutions,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            tracing_enabled=True,
        )

        # What the definition's tasks call. CDK cannot infer it from a file definition, so it is spelled out:
        # exactly the function ARNs the definition names (it invokes them unqualified), and RunTask on the three
        # task definitions in this cluster with PassRole for their roles.
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[f.function_arn for f in functions.steps.values()],
            )
        )
        containers.grant_run(self.state_machine)

        # Task tokens are not IAM resources; SendTaskSuccess/Failure/Heartbeat are scoped by the state machine
        # that issued the token. The API releases approvals and fails them on rejection; the containers'
        # reporters release their own task; approval and finish are granted as the steps that hold tokens.
        for grantee in (functions.api, functions.steps["approval"], functions.steps["finish"]):
            self.reference.grant_task_response(grantee)
        for task in containers.task_definitions.values():
            self.reference.grant_task_response(task.task_role)

        # The API starts executions (submit, retry), reads their status and stops them (cancel, which also stops
        # the running Fargate task).
        api = functions.api
        api.add_environment("FORGE_STATE_MACHINE_ARN", self.state_machine.state_machine_arn)
        self.state_machine.grants.start_execution(api)
        # Executions of exactly this state machine: arn:...:execution:<name>:<execution name>.
        stack = Stack.of(self)
        executions = stack.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{self.state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self._executions = executions
        api.add_to_role_policy(
            iam.PolicyStatement(actions=["states:DescribeExecution", "states:StopExecution"], resources=[executions])
        )
        containers.grant_stop(api)
        acknowledge_wildcards(
            api,
            (
                self._executions_finding,
                f"Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<{logical_id(containers.cluster)}>/*",
            ),
            "Execution and task ids are created per job at run time; the resource pins this state machine's "
            "executions and this cluster's tasks.",
        )
        acknowledge_wildcards(
            self.state_machine,
            (NO_RESOURCE_LEVEL,),
            "X-Ray tracing and CloudWatch Logs delivery (logs:CreateLogDelivery, ...) have no resource-level "
            "permissions.",
        )

    @property
    def _executions_finding(self) -> str:
        return (
            "Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
            f"{self.state_machine_name}:*"
        )

    def grant_task_failure(self, grantee: lambda_.IFunction) -> None:
        """states:SendTaskFailure for this state machine's tasks only (not success: the stopped-task function)."""
        grantee.add_to_role_policy(
            iam.PolicyStatement(actions=["states:SendTaskFailure"], resources=[self.reference.state_machine_arn])
        )

    def grant_read_executions(self, grantee: lambda_.IFunction) -> None:
        """states:DescribeExecution on this state machine's executions, nothing else (the job reconciliation)."""
        grantee.add_to_role_policy(
            iam.PolicyStatement(actions=["states:DescribeExecution"], resources=[self._executions])
        )
        acknowledge_wildcards(
            grantee,
            (self._executions_finding,),
            "Execution names are per job, created at run time; the resource pins this state machine's executions.",
        )

    @staticmethod
    def substitutions(network: Network, functions: Functions, containers: Containers) -> dict[str, str]:
        """The AWS values of the definition's placeholders (forge.local.runtime.local_substitutions: local ones)."""
        subnet_a, subnet_b = network.private_subnet_ids
        values = {placeholder(step): f.function_arn for step, f in functions.steps.items()}
        values.update(
            {
                "ClusterArn": containers.cluster.cluster_arn,
                "BuildTaskDefinitionArn": containers.build.task_definition_arn,
                "TestTaskDefinitionArn": containers.test.task_definition_arn,
                "SandboxTaskDefinitionArn": containers.sandbox.task_definition_arn,
                "PrivateSubnetA": subnet_a,
                "PrivateSubnetB": subnet_b,
                "BuildSecurityGroupId": network.build_security_group.security_group_id,
                "TestSecurityGroupId": network.test_security_group.security_group_id,
                "SandboxSecurityGroupId": network.sandbox_security_group.security_group_id,
            }
        )
        return values
