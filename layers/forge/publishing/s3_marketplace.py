"""The internal marketplace in an S3 bucket (versioned, public access blocked; merchants get it through whatever
front the operator puts on it). S3 has no atomic folder rename, so writes are ordered instead: a release's zip
is written last (a visible zip means the signatures beside it are there) and deleted first on retraction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import ClientError

from forge.errors import StepFailed
from forge.packaging.archive import safe_relative_path
from forge.ports.marketplace import PublishedRelease

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import PutObjectRequestTypeDef

_MISSING = ("NoSuchKey", "404", "NotFound")
# Merchants must see a new revocation list at once, not a cached copy.
_TRUST_FILE_CACHE = "no-cache"


def _content_type(name: str) -> str:
    if name.endswith(".json"):
        return "application/json"
    if name.endswith(".zip"):
        return "application/zip"
    if name.endswith(".pem") or name == "SHA256SUMS":
        return "text/plain"
    return "application/octet-stream"


class S3Marketplace:
    def __init__(self, bucket: str, prefix: str = "", client: S3Client | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client or boto3.client("s3")

    def _key(self, *parts: str) -> str:
        return self.prefix + "/".join(safe_relative_path(p).as_posix() for p in parts)

    def _get(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response["Error"]["Code"] in _MISSING:
                return None
            raise

    def _put(self, key: str, data: bytes, cache_control: str | None = None) -> None:
        request: PutObjectRequestTypeDef = {
            "Bucket": self.bucket,
            "Key": key,
            "Body": data,
            "ContentType": _content_type(key),
        }
        if cache_control is not None:
            request["CacheControl"] = cache_control
        self.client.put_object(**request)

    def release_prefix(self, slug: str, version: str) -> str:
        return self._key(slug, version) + "/"

    def publish(self, slug: str, version: str, files: Mapping[str, bytes], zip_file: str) -> PublishedRelease:
        base = self.release_prefix(slug, version)
        existing = self._get(base + safe_relative_path(zip_file).as_posix())
        if existing is not None and existing != files[zip_file]:
            raise StepFailed(f"{slug} {version} is already published with different content; bump the version")
        for name in sorted(n for n in files if n != zip_file):
            self._put(base + safe_relative_path(name).as_posix(), files[name])
        self._put(base + safe_relative_path(zip_file).as_posix(), files[zip_file])
        return PublishedRelease(uri=f"s3://{self.bucket}/{base}")

    def _release_keys(self, base: str) -> list[str]:
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=base):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return keys

    def retract(self, slug: str, version: str) -> bool:
        """Deletes the release's objects, zips first (the bucket is versioned: the bytes stay as evidence)."""
        keys = self._release_keys(self.release_prefix(slug, version))
        if not keys:
            return False
        for key in sorted(keys, key=lambda k: (not k.endswith(".zip"), k)):
            self.client.delete_object(Bucket=self.bucket, Key=key)
        return True

    def write_root_files(self, files: Mapping[str, bytes]) -> None:
        """Public keys before keys.json, and a list before its signature: a reader landing in between sees a
        mismatch and fails closed; the next read succeeds."""
        for name in sorted(files, key=lambda n: (not n.startswith("keys/"), n)):
            self._put(self._key(name), files[name], cache_control=_TRUST_FILE_CACHE)
