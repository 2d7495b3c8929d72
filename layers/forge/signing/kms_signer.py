"""AWS KMS signer: asymmetric ECC_NIST_P256 SIGN_VERIFY keys, each tagged as this forge's, the newest behind an alias.

MessageType RAW: KMS hashes the message itself (SHA-256), so signatures match `openssl dgst -sha256`. RAW messages
are limited to 4096 bytes; a longer one (a package's signed manifest) goes as its SHA-256 digest (MessageType
DIGEST), which KMS signs as it stands: the same signature. KMS returns DER already.

Signers address a key by its ARN (the keyset's backend_ref) and may use it because it carries the forge's tag
(infra/signing.py), not because of the alias: the alias is a name for people, moved last by rotation.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from forge.config import get_settings
from forge.errors import ForgeError, TransientError

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_kms.literals import MessageTypeType

RAW_LIMIT = 4096
# Every signing key the forge creates carries this tag, its value the alias (stack-scoped, so two stacks in one account
# keep apart); the signers' IAM is conditioned on it (infra/signing.py).
SIGNING_KEY_TAG = "forge:signing-key"
# KMS documents that a new tag or alias may take up to five minutes to affect authorization: a new key is tried until it
# signs, for a little longer than that, before anything depends on it.
PROBE_TIMEOUT_SECONDS = 420.0
PROBE_INTERVAL_SECONDS = 5.0
PROBE_MESSAGE = b"plugin-forge key probe"
# One retry inside a call (botocore's standard mode: backoff, throttling included); Sign's own retries with backoff
# (statemachine/forge.asl.json) do the rest.
ATTEMPTS_PER_CALL = 2
# Answers that say KMS is busy or briefly broken, worth trying again; any other refusal is final.
_TRANSIENT_CODES = ("ThrottlingException", "KMSInternalException", "DependencyTimeoutException")
_Result = TypeVar("_Result")


def kms_client() -> KMSClient:
    """A KMS client that gives up on a silent KMS in seconds: it waits FORGE_KMS_TIMEOUT_SECONDS to connect, then as
    long for each answer. KMS answers Sign in tens of milliseconds; botocore's own defaults (60 s, for each of 5
    attempts) would hold one Sign attempt for minutes when KMS stops answering, past the Sign Lambda's timeout."""
    timeout_seconds = get_settings().kms_timeout_seconds
    config = Config(
        connect_timeout=timeout_seconds,
        read_timeout=timeout_seconds,
        retries={"mode": "standard", "total_max_attempts": ATTEMPTS_PER_CALL},
    )
    return boto3.client("kms", config=config)


def _client(client: KMSClient | None) -> KMSClient:
    return client or kms_client()


@contextmanager
def _kms_answering(operation: str, key_ref: str) -> Iterator[None]:
    """No connection, no answer in time (timeouts, refused, reset) or a busy KMS: a TransientError naming KMS. Any
    other refusal goes on as the ClientError it is."""
    try:
        yield
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        if code in _TRANSIENT_CODES:
            raise _unavailable(operation, key_ref, code) from exc
        raise
    except (BotocoreConnectionError, HTTPClientError) as exc:
        raise _unavailable(operation, key_ref, type(exc).__name__) from exc


def _unavailable(operation: str, key_ref: str, why: str) -> TransientError:
    return TransientError(
        f"KMS unavailable: {operation} with key {key_ref} did not succeed ({why}); Sign retries, and "
        "`forge retry` resumes at Sign once KMS answers"
    )


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
            with _kms_answering(operation, self._key_ref):
                return call()
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            raise ForgeError(f"KMS refused {operation} with key {self._key_ref}: {code}") from exc

    def public_key_der(self) -> bytes:
        return self._call("get_public_key", lambda: self._client.get_public_key(KeyId=self._key_ref)["PublicKey"])

    def sign(self, data: bytes) -> bytes:
        # Over RAW_LIMIT (a package's signed manifest is ~6 KB) KMS takes the SHA-256 digest instead: the same
        # ECDSA_SHA_256 signature over the same hash, so `openssl dgst -sha256 -verify` checks it alike.
        message_type: MessageTypeType = "RAW" if len(data) <= RAW_LIMIT else "DIGEST"
        message = data if message_type == "RAW" else hashlib.sha256(data).digest()
        return self._call(
            "sign",
            lambda: self._client.sign(
                KeyId=self._key_ref, Message=message, MessageType=message_type, SigningAlgorithm="ECDSA_SHA_256"
            )["Signature"],
        )


def alias_target(alias: str, client: KMSClient | None = None) -> str | None:
    """The ARN of the key an alias points at, or None when the alias does not exist."""
    kms = _client(client)
    with _kms_answering("describe_key", alias):
        try:
            return kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "NotFoundException":
                return None
            raise


def create_kms_key(alias: str, client: KMSClient | None = None) -> str:
    """A new P-256 signing key tagged as this forge's (KMS cannot rotate asymmetric keys in place). The alias is not
    moved here: the caller registers the key first (point_alias)."""
    kms = _client(client)
    with _kms_answering("create_key", alias):
        return kms.create_key(
            KeySpec="ECC_NIST_P256",
            KeyUsage="SIGN_VERIFY",
            Description="Plugin Forge package signing key",
            Tags=[{"TagKey": SIGNING_KEY_TAG, "TagValue": alias}],
        )["KeyMetadata"]["Arn"]


def wait_until_it_signs(
    arn: str,
    client: KMSClient | None = None,
    timeout: float | None = None,
    interval: float | None = None,
) -> None:
    """Sign a probe with the new key until IAM lets this role (conditioned on the key's tag, like every signer) use it:
    AccessDenied right after CreateKey is the tag not yet in force. Raises ForgeError when it never is."""
    kms = _client(client)
    deadline = time.monotonic() + (PROBE_TIMEOUT_SECONDS if timeout is None else timeout)
    pause = PROBE_INTERVAL_SECONDS if interval is None else interval
    while True:
        try:
            with _kms_answering("sign", arn):
                kms.sign(KeyId=arn, Message=PROBE_MESSAGE, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256")
            return
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "AccessDeniedException" or time.monotonic() > deadline:
                raise ForgeError(f"the new KMS key {arn} cannot sign: {exc.response['Error']['Code']}") from exc
        time.sleep(pause)


def point_alias(alias: str, arn: str, client: KMSClient | None = None) -> None:
    """Point the alias at `arn`, creating it the first time (the rotation owns it; CloudFormation does not)."""
    kms = _client(client)
    if alias_target(alias, kms) is None:
        kms.create_alias(AliasName=alias, TargetKeyId=arn)
    elif alias_target(alias, kms) != arn:
        kms.update_alias(AliasName=alias, TargetKeyId=arn)
