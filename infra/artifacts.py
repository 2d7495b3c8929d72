"""Where step outputs live between steps (forge.artifacts.s3): source zips, reports, signed packages."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct


class Artifacts(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            # SSE-S3 for now; the later issue's KMS key can become the bucket key without a data migration.
            encryption=s3.BucketEncryption.S3_MANAGED,
            # Versioned: a signed package that was published must stay retrievable even if a retried step
            # overwrites its key (every writer overwrites, relying on idempotency).
            versioned=True,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
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
