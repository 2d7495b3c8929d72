"""Where step outputs live between steps (forge.artifacts.s3), the internal marketplace (forge.publishing.
s3_marketplace), and the write-once audit of prompts and responses."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.nag import acknowledge, acknowledge_wildcards, logical_id

# The spec keeps every generation prompt and response as WORM evidence; seven years is the usual retention for
# payment records. Compliance mode: not even the account root can shorten it or delete an object early.
AUDIT_RETENTION_DAYS = 7 * 365
# What forge.pipeline.revocation writes at the marketplace root for merchants to verify against.
TRUST_FILES = ("keys.json", "keys/*", "revocations.json", "revocations.json.sig")


class Artifacts(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        # Server access logs for the two buckets below (nothing reads this bucket but ops).
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[s3.LifecycleRule(id="expire-access-logs", expiration=Duration.days(365))],
        )
        acknowledge(
            self.access_logs,
            "AwsSolutions-S1",
            "This is the access-log bucket; logging its own access would recurse.",
        )
        self.bucket = self._private_bucket(
            "Bucket",
            "artifacts/",
            # Published packages are what merchants verify against: deleting the stack must not delete them.
            # Versioned: a signed package that was published must stay retrievable even if a retried step
            # overwrites its key (every writer overwrites, relying on idempotency).
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-superseded-versions",
                    noncurrent_version_expiration=Duration.days(90),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
        )
        # Published releases and the trust files. Its own bucket: unlike the artifact bucket nothing here is
        # scratch, and a front for merchants (CloudFront with an origin access control) can be given exactly it.
        # A retraction deletes a release; the versions stay, as evidence of what merchants were offered.
        self.marketplace = self._private_bucket(
            "MarketplaceBucket",
            "marketplace/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="abort-incomplete-uploads", abort_incomplete_multipart_upload_after=Duration.days(7)
                )
            ],
        )
        self.audit_bucket = self._private_bucket(
            "AuditBucket",
            "audit/",
            object_lock_enabled=True,
            object_lock_default_retention=s3.ObjectLockRetention.compliance(Duration.days(AUDIT_RETENTION_DAYS)),
        )

    def _private_bucket(self, construct_id: str, logs_prefix: str, **extra: Any) -> s3.Bucket:
        """The settings the three data buckets share: SSE-S3 (the objects are packages, reports and evidence; a
        customer key would add cost, not secrecy), versioned, TLS only, no public access, owner-enforced objects,
        access-logged, and kept when the stack is deleted."""
        return s3.Bucket(
            self,
            construct_id,
            encryption=s3.BucketEncryption.S3_MANAGED,
            versioned=True,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=logs_prefix,
            removal_policy=RemovalPolicy.RETAIN,
            **extra,
        )

    def marketplace_environment(self) -> dict[str, str]:
        return {"FORGE_MARKETPLACE": "s3", "FORGE_MARKETPLACE_BUCKET": self.marketplace.bucket_name}

    def grant_marketplace_publish(self, grantee: lambda_.IFunction) -> None:
        """The publish step: read a release's zip (a re-run compares bytes), write the release and the trust
        files. ListBucket makes a missing zip a 404 rather than a 403. No delete."""
        principal = grantee.grant_principal
        principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject"], resources=[self.marketplace.arn_for_objects("*")]
            )
        )
        principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.marketplace.bucket_arn])
        )
        self._acknowledge_marketplace(grantee, "Release keys are <slug>/<version>/<file>, known only at run time.")

    def grant_marketplace_revoke(self, grantee: lambda_.IFunction) -> None:
        """The API's revoke: list and delete a release's objects (retraction), rewrite the trust files. No read."""
        principal = grantee.grant_principal
        principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:DeleteObject"], resources=[self.marketplace.arn_for_objects("*")])
        )
        principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.marketplace.bucket_arn])
        )
        self.grant_marketplace_trust_files(grantee)
        self._acknowledge_marketplace(grantee, "A retraction deletes <slug>/<version>/*, known only at run time.")

    def grant_marketplace_trust_files(self, grantee: lambda_.IFunction) -> None:
        """Key rotation: put keys.json, keys/<id>.pem and revocations.json(.sig), nothing else."""
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[self.marketplace.arn_for_objects(name) for name in TRUST_FILES]
            )
        )
        acknowledge_wildcards(
            grantee,
            (f"Resource::<{logical_id(self.marketplace)}.Arn>/keys/*",),
            "keys/<key id>.pem: one public key per signing key, ids known only after a rotation.",
        )

    def _acknowledge_marketplace(self, grantee: lambda_.IFunction, why: str) -> None:
        acknowledge_wildcards(grantee, (f"Resource::<{logical_id(self.marketplace)}.Arn>/*",), why)

    def grant_audit_write(self, grantee: lambda_.IFunction) -> None:
        """Append-only: put objects, never read, overwrite-delete or change retention."""
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[self.audit_bucket.arn_for_objects("*")])
        )
        acknowledge_wildcards(
            grantee,
            (f"Resource::<{logical_id(self.audit_bucket)}.Arn>/*",),
            "PutObject only, on keys per job and generation; Object Lock makes every object write-once.",
        )
