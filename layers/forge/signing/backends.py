"""The signing adapters chosen from the settings (PKCS#11, KMS, Vault Transit): builds the Signer for a key in the
keyset, and creates new keys (first use, rotation). Called by the composition root (forge.wiring)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from forge.config import Settings
from forge.errors import ForgeError
from forge.models.package import SigningKey
from forge.observability import logger
from forge.ports.repositories import Keys
from forge.ports.signing import Signer
from forge.signing.signer import key_id, public_pem

BACKENDS = ("pkcs11", "kms", "vault")


def _pkcs11(settings: Settings, key_label: str) -> Signer:
    from forge.signing.pkcs11_signer import Pkcs11Signer

    if not settings.pkcs11_pin:
        raise ForgeError("FORGE_PKCS11_PIN is not set (the local runtime sets it after preparing SoftHSM)")
    return Pkcs11Signer(settings.pkcs11_module, settings.pkcs11_token_label, settings.pkcs11_pin, key_label)


def vault_client(settings: Settings) -> Any:
    import hvac

    if not settings.vault_addr or not settings.vault_token:
        raise ForgeError("FORGE_SIGNER=vault needs VAULT_ADDR and VAULT_TOKEN")
    return hvac.Client(url=settings.vault_addr, token=settings.vault_token, timeout=10)


def signer_for(key: SigningKey, settings: Settings) -> Signer:
    if key.backend == "pkcs11":
        return _pkcs11(settings, key.backend_ref)
    if key.backend == "kms":
        from forge.signing.kms_signer import KmsSigner

        return KmsSigner(key.backend_ref)
    if key.backend == "vault":
        from forge.signing.vault_signer import VaultTransitSigner

        return VaultTransitSigner(vault_client(settings), key.backend_ref, settings.vault_transit_mount)
    raise ForgeError(f"signing backend '{key.backend}' is not available in this build")


def create_key(keys: Keys, settings: Settings, new: bool = False) -> SigningKey:
    """Make a key the active one; the previous one is retired (still in the keyset, so what it signed still
    verifies). PKCS#11 generates a key on the token. KMS registers the key its alias points at (the stack
    creates it), or creates key and alias when `new` or when the alias does not exist yet; rotation there is a
    new key + UpdateAlias, since KMS cannot rotate asymmetric keys. Vault registers the transit key's latest
    version, or rotates the transit key when `new`."""
    if settings.signer == "kms":
        return _create_kms_key(keys, settings, new)
    if settings.signer == "vault":
        from forge.signing.vault_signer import VaultTransitSigner, latest_key_ref, rotate

        client = vault_client(settings)
        mount, name = settings.vault_transit_mount, settings.vault_transit_key
        ref = rotate(client, name, mount) if new else latest_key_ref(client, name, mount, create=True)
        der = VaultTransitSigner(client, ref, mount).public_key_der()
        return keys.add_active(key_id(der), public_pem(der), "vault", ref)
    if settings.signer != "pkcs11":
        raise ForgeError(f"FORGE_SIGNER={settings.signer} is not supported; use one of {', '.join(BACKENDS)}")
    label = f"forge-{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
    from forge.signing.pkcs11_signer import Pkcs11Signer

    signer = _pkcs11(settings, label)
    if not isinstance(signer, Pkcs11Signer):
        raise RuntimeError(f"the pkcs11 backend built a {type(signer).__name__}")
    der = signer.generate()
    return keys.add_active(key_id(der), public_pem(der), signer.backend, label)


def _create_kms_key(keys: Keys, settings: Settings, new: bool) -> SigningKey:
    """KMS: register the key the alias (or, before the first rotation, the stack's own key) points at; with `new`, a
    new key: created, tried until it signs, registered as the active key, and only then named by the alias."""
    from forge.signing.kms_signer import KmsSigner, alias_target, create_kms_key, point_alias, wait_until_it_signs

    alias = settings.kms_key_alias
    existing = None if new else (alias_target(alias) or settings.kms_initial_key_arn)
    if existing:
        der = KmsSigner(existing).public_key_der()
        return keys.add_active(key_id(der), public_pem(der), "kms", existing)
    arn = create_kms_key(alias)
    der = KmsSigner(arn).public_key_der()
    wait_until_it_signs(arn)
    key = keys.add_active(key_id(der), public_pem(der), "kms", arn)
    try:
        point_alias(alias, arn)
    except Exception as exc:  # noqa: BLE001 - the keyset already names the key; the alias is for people
        logger.warning("the signing alias was not moved", extra={"alias": alias, "key": arn, "error": str(exc)[:300]})
    return key


def active_signer(keys: Keys, settings: Settings) -> tuple[SigningKey, Signer]:
    key = keys.active() or create_key(keys, settings)
    return key, signer_for(key, settings)
