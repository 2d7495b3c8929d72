"""Builds the Signer for a key in the keyset, and creates new keys (first use, rotation)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from forge.config import Settings
from forge.db.repositories.keys import KeyRepository
from forge.errors import ForgeError
from forge.models.package import SigningKey
from forge.signing.signer import Signer, key_id, public_pem


def _pkcs11(settings: Settings, key_label: str) -> Signer:
    from forge.signing.pkcs11_signer import Pkcs11Signer

    if not settings.pkcs11_pin:
        raise ForgeError("FORGE_PKCS11_PIN is not set (the local runtime sets it after preparing SoftHSM)")
    return Pkcs11Signer(settings.pkcs11_module, settings.pkcs11_token_label, settings.pkcs11_pin, key_label)


def signer_for(key: SigningKey, settings: Settings) -> Signer:
    if key.backend == "pkcs11":
        return _pkcs11(settings, key.backend_ref)
    if key.backend == "kms":
        from forge.signing.kms_signer import KmsSigner

        return KmsSigner(key.backend_ref)
    raise ForgeError(f"signing backend '{key.backend}' is not available in this build")


def create_key(keys: KeyRepository, settings: Settings, new: bool = False) -> SigningKey:
    """Make a key the active one; the previous one is retired (still in the keyset, so what it signed still
    verifies). PKCS#11 generates a key on the token. KMS registers the key its alias points at (the stack
    creates it), or creates key and alias when `new` or when the alias does not exist yet."""
    if settings.signer == "kms":
        from forge.signing.kms_signer import KmsSigner, alias_target, create_kms_key

        arn = None if new else alias_target(settings.kms_key_alias)
        arn = arn or create_kms_key(settings.kms_key_alias)
        der = KmsSigner(arn).public_key_der()
        return keys.add_active(key_id(der), public_pem(der), "kms", arn)
    if settings.signer != "pkcs11":
        raise ForgeError(f"FORGE_SIGNER={settings.signer} is not supported; use pkcs11 or kms")
    label = f"forge-{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
    from forge.signing.pkcs11_signer import Pkcs11Signer

    signer = _pkcs11(settings, label)
    assert isinstance(signer, Pkcs11Signer)
    der = signer.generate()
    return keys.add_active(key_id(der), public_pem(der), signer.backend, label)


def active_signer(keys: KeyRepository, settings: Settings) -> tuple[SigningKey, Signer]:
    key = keys.active() or create_key(keys, settings)
    return key, signer_for(key, settings)
