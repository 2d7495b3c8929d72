"""The package signing keys: asymmetric KMS keys (ECC_NIST_P256, SIGN_VERIFY), each tagged as this stack's.

KMS cannot rotate asymmetric keys in place, so rotation (functions/rotate_keys) creates a new key. Who may use a key
follows its tag, not the alias: a signer signs with the key the keyset names (its ARN), which is this stack's first key
or one rotation created, and the tag is set when the key is created. An alias-conditioned grant would deny the new key
for minutes after the alias moves (KMS's authorization lags alias and tag changes by up to five minutes) and deny the
old one at once; rotation therefore creates the key, tries it until it signs, registers it, and moves the alias last.

The alias (`alias/<stack name>-signing`) is a name for people, and it is the rotation's alone: CloudFormation does not
create it, or a later deploy touching it would point it back at the first key. The stack's own key is handed to the
functions as FORGE_KMS_INITIAL_KEY_ARN, what the keyset starts with before the first rotation creates the alias.
CloudHSM is the documented alternative (docs/aws.md): the same forge.signing PKCS#11 code path as SoftHSM.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from forge.signing.kms_signer import SIGNING_KEY_TAG
from infra.nag import acknowledge_wildcards

SIGN_ACTIONS = ("kms:Sign", "kms:GetPublicKey", "kms:DescribeKey")
# How cdk-nag names the key wildcard below.
STACK_KEYS = "Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*"
TAG_REASON = (
    "Any key, but only one tagged as this stack's signing key (aws:ResourceTag condition): rotation creates keys at "
    "run time, so no key ARN is known at deploy time."
)


def alias_name(stack: Stack) -> str:
    return f"alias/{stack.stack_name}-signing"


class Signing(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.alias = alias_name(Stack.of(self))
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
        # The same tag forge.signing.kms_signer.create_kms_key puts on every key rotation creates.
        Tags.of(self.key).add(SIGNING_KEY_TAG, self.alias)

    def _key_arns(self) -> str:
        return Stack.of(self).format_arn(service="kms", resource="key", resource_name="*")

    def _this_stacks_keys(self) -> iam.PolicyStatement:
        return iam.PolicyStatement(
            actions=list(SIGN_ACTIONS),
            resources=[self._key_arns()],
            conditions={"StringEquals": {f"aws:ResourceTag/{SIGNING_KEY_TAG}": self.alias}},
        )

    def grant_sign(self, function: lambda_.Function) -> None:
        """Sign with this stack's keys; the function finds them through FORGE_KMS_KEY_ALIAS and, before the first
        rotation, FORGE_KMS_INITIAL_KEY_ARN (forge.signing.backends)."""
        function.add_to_role_policy(self._this_stacks_keys())
        function.add_environment("FORGE_KMS_KEY_ALIAS", self.alias)
        function.add_environment("FORGE_KMS_INITIAL_KEY_ARN", self.key.key_arn)
        acknowledge_wildcards(function, (STACK_KEYS,), TAG_REASON)

    def grant_rotate(self, function: lambda_.Function) -> None:
        """What rotation needs besides signing (its probe of the new key): create tagged keys, read any key's public
        half without waiting for a tag or an alias to take effect, and own the alias."""
        self.grant_sign(function)
        acknowledge_wildcards(
            function,
            ("Resource::*",),
            "CreateKey (and tagging at creation) has no resource to scope to; the request must be for a P-256 "
            "signing key carrying this stack's tag, and nothing else.",
        )
        tagged_request = {
            f"aws:RequestTag/{SIGNING_KEY_TAG}": self.alias,
        }
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["kms:CreateKey"],
                resources=["*"],
                conditions={
                    "StringEquals": {"kms:KeySpec": "ECC_NIST_P256", "kms:KeyUsage": "SIGN_VERIFY", **tagged_request},
                    "ForAllValues:StringEquals": {"aws:TagKeys": [SIGNING_KEY_TAG]},
                },
            )
        )
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["kms:TagResource"],
                resources=["*"],
                conditions={
                    "StringEquals": tagged_request,
                    "ForAllValues:StringEquals": {"aws:TagKeys": [SIGNING_KEY_TAG]},
                },
            )
        )
        # A public key is public: reading it right after CreateKey must not wait for the tag to be in force.
        function.add_to_role_policy(
            iam.PolicyStatement(actions=["kms:GetPublicKey", "kms:DescribeKey"], resources=[self._key_arns()])
        )
        stack = Stack.of(self)
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["kms:CreateAlias", "kms:UpdateAlias"],
                resources=[
                    stack.format_arn(service="kms", resource="alias", resource_name=self.alias.removeprefix("alias/"))
                ],
            )
        )
        # CreateAlias/UpdateAlias are also authorized on the key the alias is pointed at: this stack's keys only.
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["kms:CreateAlias", "kms:UpdateAlias"],
                resources=[self._key_arns()],
                conditions={"StringEquals": {f"aws:ResourceTag/{SIGNING_KEY_TAG}": self.alias}},
            )
        )
