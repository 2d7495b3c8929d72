"""AWS KMS signer: an asymmetric ECC_NIST_P256 SIGN_VERIFY key behind an alias.

MessageType RAW: KMS hashes the message itself (SHA-256), so signatures match `openssl dgst -sha256`.
KMS returns DER already. RAW messages are limited to 4096 bytes; manifests and approval statements are
far smaller.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError

from forge.errors import ForgeError, TransientError

RAW_LIMIT = 4096


def _client(client: Any | None) -> Any:
    return client or boto3.client("kms")


class KmsSigner:
    backend = "kms"

    def __init__(self, key_ref: str, client: Any | None = None) -> None:
        self._key_ref = key_ref
        self._client = _client(client)

    @property
    def key_ref(self) -> str:
        return self._key_ref

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return getattr(self._client, operation)(KeyId=self._key_ref, **kwargs)
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code in ("ThrottlingException", "KMSInternalException", "DependencyTimeoutException"):
                raise TransientError(f"KMS busy: {code}") from exc
            raise ForgeError(f"KMS refused {operation} with key {self._key_ref}: {code}") from exc

    def public_key_der(self) -> bytes:
        return self._call("get_public_key")["PublicKey"]

    def sign(self, data: bytes) -> bytes:
        if len(data) > RAW_LIMIT:
            raise ForgeError(f"KMS signs at most {RAW_LIMIT} bytes as a RAW message; got {len(data)}")
        return self._call("sign", Message=data, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256")["Signature"]


def alias_target(alias: str, client: Any | None = None) -> str | None:
    """The ARN of the key an alias points at, or None when the alias does not exist."""
    kms = _client(client)
    try:
        return kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NotFoundException":
            return None
        raise


def create_kms_key(alias: str, client: Any | None = None) -> str:
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
