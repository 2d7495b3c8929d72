"""The key that seals approvers' TOTP seeds: a generated Secrets Manager secret only the api function reads.

forge.auth.mfa_key_secret derives the 32-byte AES key from the secret string (HKDF-SHA256), once per execution
environment; without it the api Lambda would seal seeds with a per-instance /tmp key that no other instance has.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.nag import acknowledge

MFA_KEY_SECRET_ENV = "FORGE_MFA_KEY_SECRET_ARN"  # noqa: S105 - the name of a variable holding an ARN
# 64 characters of [A-Za-z0-9]: ~381 bits, well over the 256 the derived AES key can hold.
SECRET_LENGTH = 64


class MfaKey(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            description="Plugin Forge: the key (via HKDF) sealing approvers' TOTP seeds",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=SECRET_LENGTH, exclude_punctuation=True, include_space=False
            ),
            # Losing it makes every enrolled approver's seed unreadable: keep it when the stack goes.
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.secret,
            "AwsSolutions-SMG4",
            "Not rotated: a new value would make every sealed TOTP seed unreadable. Rotating it means re-enrolling "
            "the approvers (forge approver enroll NAME --replace), a deliberate operation, not a schedule.",
        )

    def grant_to(self, function: lambda_.Function) -> None:
        """FUNCTION reads the secret (and only it: the grant is the secret's ARN) and finds it by its env var."""
        function.add_environment(MFA_KEY_SECRET_ENV, self.secret.secret_arn)
        self.secret.grant_read(function)
