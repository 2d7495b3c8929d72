"""cdk-nag 3.x acknowledgements: CDK's own Validations API, one rule per call, always with the reason in code."""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnElement, Stack, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """Accept one AwsSolutions finding on `construct` (and what it contains), saying why it is acceptable here."""
    if len(reason) < 20:
        raise ValueError(f"{rule}: an acknowledgement needs a real reason, got {reason!r}")
    Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))


def logical_id(construct: IConstruct) -> str:
    """The CloudFormation logical id of an L2 construct's resource, as cdk-nag writes it into finding ids."""
    stack = Stack.of(construct)
    resource = construct.node.default_child
    if not isinstance(resource, CfnElement):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource")
    return str(stack.resolve(stack.get_logical_id(resource)))


def acknowledge_managed_policies(construct: IConstruct, policies: tuple[str, ...], reason: str) -> None:
    """AwsSolutions-IAM4 for exactly these AWS managed service-role policies."""
    for policy in policies:
        acknowledge(construct, f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{policy}]", reason)


def acknowledge_wildcards(construct: IConstruct, findings: tuple[str, ...], reason: str) -> None:
    """AwsSolutions-IAM5 for exactly these wildcard findings (`Action::s3:List*`, `Resource::*`, ...)."""
    for finding in findings:
        acknowledge(construct, f"AwsSolutions-IAM5[{finding}]", reason)


LAMBDA_BASIC = "service-role/AWSLambdaBasicExecutionRole"
LAMBDA_VPC = "service-role/AWSLambdaVPCAccessExecutionRole"
# X-Ray's PutTraceSegments/PutTelemetryRecords and ECR's GetAuthorizationToken have no resource-level permissions.
NO_RESOURCE_LEVEL = "Resource::*"
