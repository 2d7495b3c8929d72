"""PKCS#11 signing on a real SoftHSM2 token, verified with cryptography and with the openssl CLI."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from forge.config import get_settings
from forge.db.repositories.keys import KeyRepository
from forge.signing.backends import active_signer, create_key
from forge.signing.signer import key_id
from forge.signing.verify import verify_signature


def openssl_verifies(folder: Path, data: bytes, signature: bytes, public_pem: str) -> bool:
    """What a merchant runs: `openssl dgst -sha256 -verify` on the files."""
    (folder / "m.json").write_bytes(data)
    (folder / "m.sig").write_bytes(signature)
    (folder / "k.pem").write_text(public_pem)
    done = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", "k.pem", "-signature", "m.sig", "m.json"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    return done.returncode == 0 and "Verified OK" in done.stdout


def test_sign_and_verify_with_openssl(softhsm: str, db, tmp_path: Path) -> None:
    keys = KeyRepository(db)
    key, signer = active_signer(keys, get_settings())
    assert key_id(signer.public_key_der()) == key.key_id
    data = b'{"hello":"merchant"}\n'
    signature = signer.sign(data)
    assert signature[0] == 0x30  # DER SEQUENCE, not raw r||s
    assert verify_signature(data, signature, key.public_pem.encode())
    assert not verify_signature(data + b"x", signature, key.public_pem.encode())
    assert openssl_verifies(tmp_path, data, signature, key.public_pem)
    assert not openssl_verifies(tmp_path, data.replace(b"merchant", b"attacker"), signature, key.public_pem)


def test_active_key_is_reused_and_a_new_key_retires_the_old(softhsm: str, db) -> None:
    keys = KeyRepository(db)
    first, _ = active_signer(keys, get_settings())
    again, _ = active_signer(keys, get_settings())
    assert again.key_id == first.key_id
    second = create_key(keys, get_settings())
    assert second.key_id != first.key_id
    assert keys.get(first.key_id).status == "retired"
    assert keys.active().key_id == second.key_id


@pytest.mark.parametrize("pin", ["wrong-pin"])
def test_wrong_pin_is_a_clear_error(softhsm: str, db, pin: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from forge.config import reset_settings
    from forge.errors import ForgeError

    keys = KeyRepository(db)
    active_signer(keys, get_settings())
    monkeypatch.setenv("FORGE_PKCS11_PIN", pin)
    reset_settings()
    _key, signer = active_signer(keys, get_settings())
    with pytest.raises(ForgeError, match="wrong PIN"):
        signer.sign(b"x")


def test_kms_signer_on_moto_verifies_with_cryptography_and_openssl(
    db,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto import mock_aws

    from forge.config import reset_settings

    monkeypatch.setenv("FORGE_SIGNER", "kms")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    reset_settings()
    try:
        with mock_aws():
            keys = KeyRepository(db)
            key, signer = active_signer(keys, get_settings())
            assert key.backend == "kms"
            assert key.backend_ref.startswith("arn:aws:kms:")
            data = b'{"manifest":"v1"}\n'
            signature = signer.sign(data)
            assert verify_signature(data, signature, key.public_pem.encode())
            assert openssl_verifies(tmp_path, data, signature, key.public_pem)
            # Rotation: a new key behind the same alias; the old key stays in the keyset and still verifies.
            rotated = create_key(keys, get_settings(), new=True)
            assert rotated.key_id != key.key_id
            assert keys.get(key.key_id).status == "retired"
            assert verify_signature(data, signature, keys.get(key.key_id).public_pem.encode())
    finally:
        reset_settings()
