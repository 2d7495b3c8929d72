"""Artifacts in the S3 artifact bucket (encrypted with the bucket's key, versioned)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import ClientError

from forge.errors import NotFound

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class S3ArtifactStore:
    def __init__(self, bucket: str, client: S3Client | None = None) -> None:
        self.bucket = bucket
        self.client = client or boto3.client("s3")

    def put(self, key: str, data: bytes) -> str:
        # A checksum on every put: S3 verifies the bytes it stored, and Object Lock buckets (the audit bucket)
        # refuse a put without one.
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ChecksumAlgorithm="SHA256")
        return f"s3://{self.bucket}/{key}"

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
                raise NotFound(f"artifact {key} not found") from None
            raise

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
            return True
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404", "NotFound"):
                return False
            raise
