"""The package signing key: an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) behind a stable alias.

KMS cannot rotate asymmetric keys in place, so rotation (functions/rotate_keys) creates a new key and moves the
alias; signers therefore address the alias, and their IAM is scoped by the alias, not by one key ARN.
CloudHSM is the documented alternative (docs/aws.md): the same forge.signing PKCS#11 code path as SoftHSM.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.nag import acknowledge_wildcards

# forge.config.Settings.kms_key_alias defaults to the same name.
ALIAS = "alias/plugin-forge-signing"
SIGN_ACTIONS = ("kms:Sign", "kms:GetPublicKey", "kms:DescribeKey")
# How cdk-nag names the alias-scoped key wildcard below.
KEYS_BEHIND_ALIAS = "Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*"
ALIAS_REASON = (
    "Any key, but only while the signing alias points at it (kms:ResourceAliases condition): rotation replaces "
    "the key behind the alias, so no key ARN is known at deploy time."
)


class Signing(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            key_spec=kms.KeySpec.ECC_NIST_P256,
            key_usage=kms.KeyUsage.SIGN_VERIFY,
            description="Plugin Forge package signing key",
            # Merchants verify published packages against this key's public half for as long as they exist.
            removal_policy=RemovalPolicy.RETAIN,
            pending_window=Duration.days(30),
        )
        self.alias = self.key.add_alias(ALIAS)

    def _keys_behind_alias(self) -> iam.PolicyStatement:
        return iam.PolicyStatement(
            actions=list(SIGN_ACTIONS),
            # Any key in this account and region that the signing alias points at: the stack's first key and
            # every key rotation creates later.
            resources=[Stack.of(self).format_arn(service="kms", resource="key", resource_name="*")],
            conditions={"ForAnyValue:StringEquals": {"kms:ResourceAliases": ALIAS}},
        )

    def grant_sign(self, grantee: lambda_.IFunction) -> None:
        grantee.grant_principal.add_to_principal_policy(self._keys_behind_alias())
        acknowledge_wildcards(grantee, (KEYS_BEHIND_ALIAS,), ALIAS_REASON)

    def grant_rotate(self, grantee: lambda_.IFunction) -> None:
        principal = grantee.grant_principal
        principal.add_to_principal_policy(self._keys_behind_alias())
        acknowledge_wildcards(grantee, (KEYS_BEHIND_ALIAS, "Resource::*"), ALIAS_REASON + " CreateKey has no resource.")
        # CreateKey has no resource to scope to; the request must be for a signing key of the same kind.
        principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:CreateKey"],
                resources=["*"],
                conditions={
                    "StringEquals": {"kms:KeySpec": "ECC_NIST_P256", "kms:KeyUsage": "SIGN_VERIFY"},
                },
            )
        )
        stack = Stack.of(self)
        principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:CreateAlias", "kms:UpdateAlias"],
                resources=[
                    stack.format_arn(service="kms", resource="alias", resource_name=ALIAS.removeprefix("alias/")),
                    stack.format_arn(service="kms", resource="key", resource_name="*"),
                ],
            )
        )
