"""AES-256-GCM for secrets at rest (TOTP seeds in forge_secrets).

The key comes from FORGE_MFA_KEY (base64 of 32 bytes), else (AWS) from the Secrets Manager secret named by
FORGE_MFA_KEY_SECRET_ARN (forge.auth.mfa_key_secret; never a fallback: a key file in a Lambda's /tmp would differ
per execution environment and seeds sealed in one would not open in another), else from FORGE_HOME/auth/mfa.key,
created with mode 0600 on first use. The secret's name is
bound as associated data, so a ciphertext copied onto another approver's row does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from forge.auth.mfa_key_secret import key_from_secret
from forge.config import Settings
from forge.errors import ForgeError
from forge.private_files import private_dir, secret_file

_VERSION = b"\x01"
_NONCE_BYTES = 12


class SecretBoxError(ForgeError):
    pass


class SecretBox:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise SecretBoxError("the secret key must be 32 bytes (AES-256)")
        self._aead = AESGCM(key)

    def seal(self, name: str, plaintext: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, name.encode())

    def open(self, name: str, sealed: bytes) -> bytes:
        if len(sealed) < 1 + _NONCE_BYTES + 16 or sealed[:1] != _VERSION:
            raise SecretBoxError(f"secret {name} is not in a format this forge wrote")
        nonce, body = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, name.encode())
        except InvalidTag:
            raise SecretBoxError(f"secret {name} does not decrypt with this key (wrong key or tampered)") from None


def _key_file(path: Path) -> bytes:
    private_dir(path.parent)
    return base64.b64decode(secret_file(path, lambda: base64.b64encode(AESGCM.generate_key(bit_length=256))))


def secret_box(settings: Settings) -> SecretBox:
    if settings.mfa_key:
        try:
            return SecretBox(base64.b64decode(settings.mfa_key, validate=True))
        except (binascii.Error, ValueError):
            raise SecretBoxError("FORGE_MFA_KEY must be the base64 of 32 random bytes") from None
    if settings.mfa_key_secret_arn:
        return SecretBox(key_from_secret(settings.mfa_key_secret_arn))
    return SecretBox(_key_file(settings.forge_home / "auth" / "mfa.key"))
