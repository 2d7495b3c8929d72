"""AWS KMS signer: an asymmetric ECC_NIST_P256 SIGN_VERIFY key behind an alias.

MessageType RAW: KMS hashes the message itself (SHA-256), so signatures match `openssl dgst -sha256`.
KMS returns DER already. RAW messages are limited to 4096 bytes; manifests and approval statements are
far smaller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import boto3
from botocore.exceptions import ClientError

from forge.errors import ForgeError, TransientError

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

RAW_LIMIT = 4096
_Result = TypeVar("_Result")


def _client(client: KMSClient | None) -> KMSClient:
    return client or boto3.client("kms")


class KmsSigner:
    backend = "kms"

    def __init__(self, key_ref: str, client: KMSClient | None = None) -> None:
        self._key_ref = key_ref
        self._client = _client(client)

    @property
    def key_ref(self) -> str:
        return self._key_ref

    def _call(self, operation: str, call: Callable[[], _Result]) -> _Result:
        try:
            return call()
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code in ("ThrottlingException", "KMSInternalException", "DependencyTimeoutException"):
                raise TransientError(f"KMS busy: {code}") from exc
            raise ForgeError(f"KMS refused {operation} with key {self._key_ref}: {code}") from exc

    def public_key_der(self) -> bytes:
        return self._call("get_public_key", lambda: self._client.get_public_key(KeyId=self._key_ref)["PublicKey"])

    def sign(self, data: bytes) -> bytes:
        if len(data) > RAW_LIMIT:
            raise ForgeError(f"KMS signs at most {RAW_LIMIT} bytes as a RAW message; got {len(data)}")
        return self._call(
            "sign",
            lambda: self._client.sign(
                KeyId=self._key_ref, Message=data, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256"
            )["Signature"],
        )


def alias_target(alias: str, client: KMSClient | None = None) -> str | None:
    """The ARN of the key an alias points at, or None when the alias does not exist."""
    kms = _client(client)
    try:
        return kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NotFoundException":
            return None
        raise


def create_kms_key(alias: str, client: KMSClient | None = None) -> str:
    """A new P-256 signing key, then point the alias at it (KMS cannot rotate asymmetric keys in place)."""
    kms = _client(client)
    arn = kms.create_key(
        KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", Description="Plugin Forge package signing key"
    )["KeyMetadata"]["Arn"]
    if alias_target(alias, kms) is None:
        kms.create_alias(AliasName=alias, TargetKeyId=arn)
    else:
        kms.update_alias(AliasName=alias, TargetKeyId=arn)
    return arn
