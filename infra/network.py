"""The VPC the Fargate steps run in: two AZs of private isolated subnets, no NAT, AWS APIs through endpoints."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, Fn, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import custom_resources as cr
from constructs import Construct

from infra.nag import LAMBDA_BASIC, NO_RESOURCE_LEVEL, acknowledge, acknowledge_managed_policies, acknowledge_wildcards

# What the functions and tasks in isolated subnets must reach: ECR (manifest via ecr.api/ecr.dkr, layers via S3)
# and their log stream for the tasks, Step Functions to start executions and report with a task token, Secrets
# Manager for the database credentials (forge.db.dsn), KMS to sign (forge.signing.kms_signer) and ECS to cancel.
INTERFACE_ENDPOINTS: dict[str, ec2.InterfaceVpcEndpointAwsService] = {
    "EcrApi": ec2.InterfaceVpcEndpointAwsService.ECR,
    "EcrDocker": ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
    "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "StepFunctions": ec2.InterfaceVpcEndpointAwsService.STEP_FUNCTIONS,
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "Kms": ec2.InterfaceVpcEndpointAwsService.KMS,
    # The API's cancel stops the job's running Fargate task (ecs:StopTask).
    "Ecs": ec2.InterfaceVpcEndpointAwsService.ECS,
}
HTTPS = ec2.Port.tcp(443)
# Where ECR keeps image layers: a Fargate task in an isolated subnet pulls them through the S3 gateway endpoint.
ECR_LAYER_BUCKET_OBJECTS = Fn.join("", ["arn:aws:s3:::prod-", Aws.REGION, "-starport-layer-bucket/*"])
# The union of what the stack's roles are granted on its buckets (infra/artifacts.py, infra/artifact_access.py).
STACK_BUCKET_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket")
AWS_CUSTOM_RESOURCE_SINGLETON = "AWS679f53fac002430cb0da5b7982bd2287"


class Network(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, nat_gateway: bool = False) -> None:
        super().__init__(scope, construct_id)

        # Isolated subnets and no NAT: nothing in this VPC can reach the internet, so a plugin under test
        # cannot exfiltrate or phone home, and there is no NAT gateway to pay for.
        subnets = [ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=22)]
        if nat_gateway:
            # forge:natGateway (an external LLM endpoint): one NAT gateway, and subnets routed through it where only
            # the generate function is placed (infra/functions.py). Appended after the isolated group, so the isolated
            # subnets keep their CIDRs and ids when egress is turned on or off.
            subnets += [
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=26),
                ec2.SubnetConfiguration(name="egress", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=26),
            ]
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=1 if nat_gateway else 0,
            subnet_configuration=subnets,
        )
        self.subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        # Where a function that must reach the internet runs: the egress subnets, or none without a NAT gateway.
        self.egress_subnets = (
            ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS) if nat_gateway else None
        )

        self.s3_endpoint = self.vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3)
        # Until restrict_s3_to() names the buckets, the gateway admits only image layer pulls.
        self.s3_endpoint.add_to_policy(
            iam.PolicyStatement(
                sid="EcrImageLayers",
                principals=[iam.AnyPrincipal()],
                actions=["s3:GetObject"],
                resources=[ECR_LAYER_BUCKET_OBJECTS],
            )
        )
        self.endpoint_security_group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=self.vpc,
            description="Plugin Forge VPC interface endpoints: HTTPS from inside the VPC",
            allow_all_outbound=False,
        )
        self.endpoint_security_group.add_ingress_rule(ec2.Peer.ipv4(self.vpc.vpc_cidr_block), HTTPS)
        acknowledge(
            self.endpoint_security_group,
            "AwsSolutions-EC23",
            "The ingress CIDR is this VPC's own block (a Fn::GetAtt cdk-nag cannot resolve), not 0.0.0.0/0.",
        )
        self.endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for name, service in INTERFACE_ENDPOINTS.items():
            self.endpoints[name] = self.vpc.add_interface_endpoint(
                name,
                service=service,
                subnets=self.subnets,
                security_groups=[self.endpoint_security_group],
                open=False,  # the shared group above already admits the VPC, once rather than per endpoint
            )

        # The Lambda functions reach the database, the endpoints and nothing else (there is no route out).
        self.function_security_group = ec2.SecurityGroup(
            self,
            "FunctionSecurityGroup",
            vpc=self.vpc,
            description="Plugin Forge Lambda functions",
            allow_all_outbound=True,
        )

        # The build task runs trusted tooling (php -l, composer validate) over generated code: outbound is left
        # open, which in isolated subnets means the VPC (endpoints and the database).
        self.build_security_group = ec2.SecurityGroup(
            self,
            "BuildSecurityGroup",
            vpc=self.vpc,
            description="Plugin Forge build task",
            allow_all_outbound=True,
        )

        # The test and sandbox tasks execute the generated plugin. Their only egress is HTTPS to the AWS endpoints
        # their own trusted reporter needs (image pull, logs, S3 artifacts, SendTaskSuccess; the database is added
        # by Database.allow_from): without them a Fargate task in an isolated subnet cannot even pull its image.
        # No rule to 0.0.0.0/0.
        s3_prefix_list = ec2.Peer.prefix_list(self._s3_prefix_list_id())
        self.test_security_group = self._endpoints_only("TestSecurityGroup", "test", s3_prefix_list)
        self.sandbox_security_group = self._endpoints_only("SandboxSecurityGroup", "sandbox", s3_prefix_list)

    def add_endpoint(self, name: str, service: ec2.InterfaceVpcEndpointAwsService) -> ec2.InterfaceVpcEndpoint:
        """One more interface endpoint, behind the shared endpoint security group (Bedrock, when it generates)."""
        self.endpoints[name] = self.vpc.add_interface_endpoint(
            name, service=service, subnets=self.subnets, security_groups=[self.endpoint_security_group], open=False
        )
        return self.endpoints[name]

    def _endpoints_only(self, construct_id: str, step: str, s3_prefix_list: ec2.IPeer) -> ec2.SecurityGroup:
        group = ec2.SecurityGroup(
            self,
            construct_id,
            vpc=self.vpc,
            description=f"Plugin Forge {step} task: no egress but the VPC endpoints",
            allow_all_outbound=False,
        )
        group.add_egress_rule(self.endpoint_security_group, HTTPS, "AWS interface endpoints")
        group.add_egress_rule(s3_prefix_list, HTTPS, f"S3 through {self.s3_endpoint.node.id} gateway endpoint")
        return group

    def restrict_s3_to(self, buckets: Sequence[s3.IBucket]) -> None:
        """The S3 gateway's endpoint policy: whatever credentials are used inside this VPC (stolen ones included),
        S3 answers only for this stack's buckets, with the actions the roles hold (forge.artifacts.s3, the
        marketplace's revoke), and for ECR's image layers. Any other bucket, e.g. one to exfiltrate to, is refused."""
        self.s3_endpoint.add_to_policy(
            iam.PolicyStatement(
                sid="ThisStacksBuckets",
                principals=[iam.AnyPrincipal()],
                actions=list(STACK_BUCKET_ACTIONS),
                resources=[arn for b in buckets for arn in (b.bucket_arn, b.arn_for_objects("*"))],
            )
        )

    def _s3_prefix_list_id(self) -> str:
        """The AWS-managed prefix list of S3 in this region (what the gateway endpoint routes).

        The stack is environment-agnostic, so the id (pl-...) is looked up at deploy time rather than through
        a synth-time context lookup that would pin the template to one account and region."""
        call = cr.AwsSdkCall(
            service="EC2",
            action="describePrefixLists",
            parameters={
                "Filters": [
                    {"Name": "prefix-list-name", "Values": [Fn.join("", ["com.amazonaws.", Aws.REGION, ".s3"])]}
                ]
            },
            physical_resource_id=cr.PhysicalResourceId.of("s3-prefix-list"),
            output_paths=["PrefixLists.0.PrefixListId"],
        )
        lookup = cr.AwsCustomResource(
            self,
            "S3PrefixList",
            on_create=call,
            on_update=call,
            # DescribePrefixLists has no resource-level permissions.
            policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE),
            install_latest_aws_sdk=False,
        )
        acknowledge_wildcards(
            lookup, (NO_RESOURCE_LEVEL,), "ec2:DescribePrefixLists has no resource-level permissions."
        )
        # The singleton function behind every AwsCustomResource in the stack (a fixed id in aws-cdk-lib).
        singleton = Stack.of(self).node.try_find_child(AWS_CUSTOM_RESOURCE_SINGLETON)
        if singleton is not None:
            acknowledge_managed_policies(
                singleton, (LAMBDA_BASIC,), "The aws-cdk-lib custom resource function writes only its own logs."
            )
        return lookup.get_response_field("PrefixLists.0.PrefixListId")

    def log_flows_to(self, bucket: s3.IBucket) -> None:
        """VPC flow logs (rejected and accepted) into the access-log bucket: who talked to what, for audits."""
        self.vpc.add_flow_log("FlowLog", destination=ec2.FlowLogDestination.to_s3(bucket, "vpc-flow-logs/"))

    @property
    def private_subnet_ids(self) -> list[str]:
        return [subnet.subnet_id for subnet in self.vpc.isolated_subnets]
