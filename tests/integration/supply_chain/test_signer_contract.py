"""Every Signer adapter that can run here honours the same contract: ECDSA P-256 over SHA-256(data), DER
signatures, key id = sha256 of the DER public key, checked with `cryptography` AND the openssl CLI.

KMS runs on moto (MessageType RAW, so moto hashes exactly what KMS would), PKCS#11 on a real SoftHSM2 token,
Vault Transit against recorded API responses served on loopback (no Vault server can be installed here).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import hvac
import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from forge.config import get_settings
from forge.ports.signing import Signer
from forge.signing.signer import key_id, public_pem
from forge.signing.verify import verify_signature
from tests.integration.supply_chain.conftest import openssl_key_id, openssl_verifies
from tests.integration.supply_chain.vault_replay import RECORDING, VaultReplay

MESSAGE = base64.b64decode(json.loads(RECORDING.read_text())["message_b64"])


@contextmanager
def kms_signer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Signer]:
    from moto import mock_aws

    from forge.signing.kms_signer import KmsSigner, create_kms_key

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield KmsSigner(create_kms_key("alias/contract-test"))


@contextmanager
def pkcs11_signer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Signer]:
    from forge.signing.pkcs11_signer import Pkcs11Signer

    settings = get_settings()
    signer = Pkcs11Signer(
        settings.pkcs11_module, settings.pkcs11_token_label, settings.pkcs11_pin or "", f"contract-{id(monkeypatch)}"
    )
    signer.generate()
    yield signer


@contextmanager
def vault_signer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Signer]:
    from forge.signing.vault_signer import VaultTransitSigner

    with VaultReplay() as vault:
        yield VaultTransitSigner(hvac.Client(url=vault.url, token=vault.token), "plugin-forge-signing:1")


ADAPTERS = {"kms": kms_signer, "pkcs11": pkcs11_signer, "vault": vault_signer}


@pytest.mark.parametrize("backend", sorted(ADAPTERS))
def test_signer_contract(backend: str, softhsm: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with ADAPTERS[backend](monkeypatch) as signer:
        assert signer.backend == backend
        der = signer.public_key_der()
        pem = public_pem(der).encode()  # refuses anything but P-256
        signature = signer.sign(MESSAGE)
    # DER, whatever the backend returns natively (PKCS#11 gives raw r||s).
    r, s = decode_dss_signature(signature)
    assert r > 0
    assert s > 0
    assert signature[0] == 0x30
    assert key_id(der) == hashlib.sha256(der).hexdigest() == openssl_key_id(pem)
    assert verify_signature(MESSAGE, signature, pem)
    assert openssl_verifies(tmp_path / "ok", MESSAGE, signature, pem)
    tampered = bytearray(MESSAGE)
    tampered[5] ^= 0x01
    assert not verify_signature(bytes(tampered), signature, pem)
    assert not openssl_verifies(tmp_path / "tampered", bytes(tampered), signature, pem)


def test_a_signature_does_not_verify_under_another_adapters_key(
    softhsm: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pkcs11_signer(monkeypatch) as hsm, kms_signer(monkeypatch) as kms:
        signature = hsm.sign(MESSAGE)
        other = public_pem(kms.public_key_der()).encode()
    assert not verify_signature(MESSAGE, signature, other)
    assert not openssl_verifies(tmp_path, MESSAGE, signature, other)


def test_vault_adapter_sends_the_documented_request(monkeypatch: pytest.MonkeyPatch) -> None:
    from forge.signing.vault_signer import VaultTransitSigner

    with VaultReplay() as vault:
        VaultTransitSigner(hvac.Client(url=vault.url, token=vault.token), "plugin-forge-signing:1").sign(MESSAGE)
        sent = [r for r in vault.requests if r[0] == "POST"]
    assert sent == [
        (
            "POST",
            "/v1/transit/sign/plugin-forge-signing",
            {
                "input": base64.b64encode(MESSAGE).decode(),
                "key_version": 1,
                "hash_algorithm": "sha2-256",
                "marshaling_algorithm": "asn1",
            },
        )
    ]


def test_vault_errors_are_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    from forge.errors import ForgeError
    from forge.signing.vault_signer import VaultTransitSigner

    with VaultReplay() as vault:
        with pytest.raises(ForgeError, match="lacks the transit policy"):
            VaultTransitSigner(hvac.Client(url=vault.url, token="wrong"), "plugin-forge-signing:1").sign(MESSAGE)
        with pytest.raises(ForgeError, match="Vault refused sign"):
            VaultTransitSigner(hvac.Client(url=vault.url, token=vault.token), "plugin-forge-signing:1").sign(b"other")
    with pytest.raises(ForgeError, match="'<transit key>:<version>'"):
        VaultTransitSigner(hvac.Client(url="http://127.0.0.1:9"), "no-version")
