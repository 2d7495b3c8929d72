"""The MFA key in AWS: derived from a generated Secrets Manager secret, read once per execution environment.

Secrets Manager generates strings from a character set, not raw bytes, so the 32-byte AES key is derived from the
secret string with HKDF-SHA256 (the string has ~380 bits of entropy; HKDF turns it into a uniform key).
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from forge.errors import TransientError
from forge.observability import logger

# Changing this string changes the key, and every sealed seed would stop opening: it names the derivation, forever.
_INFO = b"plugin-forge/mfa-seed-key/v1"
# infra/secrets.py generates 64 characters; anything much shorter is not that secret.
MIN_SECRET_CHARS = 32


class MfaKeySecretError(TransientError):
    """The deployment cannot seal or open seeds right now: the API answers 503, not the caller's fault (400)."""


def derive_key(secret: str) -> bytes:
    if len(secret) < MIN_SECRET_CHARS:
        raise MfaKeySecretError(f"the MFA key secret must be at least {MIN_SECRET_CHARS} characters")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())


@lru_cache(maxsize=4)
def key_from_secret(arn: str) -> bytes:
    """The AES key behind ARN; cached, so a warm Lambda never calls Secrets Manager again."""
    # Imported here: the parameters utility loads boto3 (about 80 ms), which the API's cold start should not pay
    # for routes that never seal or open a seed.
    from aws_lambda_powertools.utilities.parameters import get_secret
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    try:
        value = get_secret(arn, max_age=0)
    except GetParameterError:
        # The SDK's detail (denied role, missing secret) is for the log, not for the API's caller.
        logger.exception("cannot read the MFA key secret", extra={"secret_arn": arn})
        raise MfaKeySecretError("cannot read the MFA key secret (FORGE_MFA_KEY_SECRET_ARN); see the api log") from None
    if not isinstance(value, str):
        raise MfaKeySecretError(f"the MFA key secret {arn} must be a string secret, not binary")
    return derive_key(value)
