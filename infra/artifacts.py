"""Where step outputs live between steps (forge.artifacts.s3), and the write-once audit of prompts and responses."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.nag import acknowledge, acknowledge_wildcards, logical_id

# The spec keeps every generation prompt and response as WORM evidence; seven years is the usual retention for
# payment records. Compliance mode: not even the account root can shorten it or delete an object early.
AUDIT_RETENTION_DAYS = 7 * 365


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
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            # SSE-S3: the objects are public packages and reports; a customer key would add cost, not secrecy.
            encryption=s3.BucketEncryption.S3_MANAGED,
            # Versioned: a signed package that was published must stay retrievable even if a retried step
            # overwrites its key (every writer overwrites, relying on idempotency).
            versioned=True,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="artifacts/",
            # Published packages are what merchants verify against: deleting the stack must not delete them.
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-superseded-versions",
                    noncurrent_version_expiration=Duration.days(90),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
        )
        self.audit_bucket = s3.Bucket(
            self,
            "AuditBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            versioned=True,
            object_lock_enabled=True,
            object_lock_default_retention=s3.ObjectLockRetention.compliance(Duration.days(AUDIT_RETENTION_DAYS)),
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="audit/",
            removal_policy=RemovalPolicy.RETAIN,
        )

    def grant_objects(self, grantee: iam.IGrantable) -> None:
        """What forge.artifacts.s3 does: put, get and head objects. ListBucket makes a missing key a 404 rather
        than a 403, which the adapter's exists() relies on. No delete: every writer overwrites (versioned)."""
        principal = grantee.grant_principal
        principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject"], resources=[self.bucket.arn_for_objects("*")])
        )
        principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn])
        )

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
