"""The pieces of approver MFA: sealed seeds, RFC 6238 codes, the local authenticator's step bookkeeping."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pyotp
import pytest
from aws_lambda_powertools.utilities.parameters import base as parameters_base
from moto import mock_aws

from forge.auth import totp
from forge.auth.local_authenticator import LocalAuthenticator
from forge.auth.mfa_key_secret import MfaKeySecretError, derive_key, key_from_secret
from forge.auth.secret_box import SecretBox, SecretBoxError, secret_box
from forge.config import Settings


def test_sealed_seeds_open_only_with_the_key_and_under_their_own_name() -> None:
    box = SecretBox(os.urandom(32))
    sealed = box.seal("mfa_seed/alice", b"JBSWY3DPEHPK3PXP")
    assert b"JBSWY3DPEHPK3PXP" not in sealed
    assert box.open("mfa_seed/alice", sealed) == b"JBSWY3DPEHPK3PXP"
    with pytest.raises(SecretBoxError, match="does not decrypt"):
        box.open("mfa_seed/mallory", sealed)  # moved onto another approver's row
    with pytest.raises(SecretBoxError, match="does not decrypt"):
        SecretBox(os.urandom(32)).open("mfa_seed/alice", sealed)
    tampered = bytearray(sealed)
    tampered[-1] ^= 1
    with pytest.raises(SecretBoxError):
        box.open("mfa_seed/alice", bytes(tampered))


def test_the_key_comes_from_the_environment_or_a_private_file(tmp_path: Path) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    from_env = secret_box(Settings(FORGE_MFA_KEY=key, FORGE_HOME=tmp_path))
    assert SecretBox(base64.b64decode(key)).open("x", from_env.seal("x", b"1")) == b"1"
    with pytest.raises(SecretBoxError, match="base64"):
        secret_box(Settings(FORGE_MFA_KEY="not base64!", FORGE_HOME=tmp_path))
    first = secret_box(Settings(FORGE_HOME=tmp_path))
    assert (tmp_path / "auth" / "mfa.key").stat().st_mode & 0o077 == 0
    assert secret_box(Settings(FORGE_HOME=tmp_path)).open("y", first.seal("y", b"2")) == b"2"


def test_codes_match_rfc6238_within_one_step_of_drift() -> None:
    seed = totp.new_seed()
    now = 1_700_000_000.0
    step = totp.current_step(now)
    assert totp.code_at_step(seed, step) == pyotp.TOTP(seed).at(now)  # what authenticator apps compute
    for offset in (-1, 0, 1):
        assert totp.matching_step(seed, totp.code_at_step(seed, step + offset), now) == step + offset
    for offset in (-3, -2, 2, 3):
        stale = totp.code_at_step(seed, step + offset)
        if stale not in {totp.code_at_step(seed, step + o) for o in (-1, 0, 1)}:
            assert totp.matching_step(seed, stale, now) is None
    assert totp.provisioning_uri(seed, "alice").startswith(f"otpauth://totp/Plugin%20Forge:alice?secret={seed}")


def test_the_local_authenticator_never_hands_out_a_step_twice(tmp_path: Path) -> None:
    authenticator = LocalAuthenticator(tmp_path, SecretBox(os.urandom(32)))
    assert authenticator.next_code("alice") is None
    seed = totp.new_seed()
    authenticator.remember("alice", seed)
    first, second = authenticator.next_code("alice"), authenticator.next_code("alice")
    now = totp.current_step()
    steps = [totp.matching_step(seed, c) for c in (first, second)]  # type: ignore[arg-type]
    assert steps[0] is not None
    assert steps[1] is not None
    assert steps[0] < steps[1] <= now + 1
    assert b"alice" in (tmp_path / "authenticator.json").read_bytes()
    assert seed.encode() not in (tmp_path / "authenticator.json").read_bytes()


@pytest.fixture
def secrets_manager(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Secrets Manager on moto, with Powertools' cached client and our per-ARN key cache emptied around it."""
    for name, value in (
        ("AWS_DEFAULT_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "x"),
        ("AWS_SECRET_ACCESS_KEY", "x"),
    ):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_SECRETSMANAGER", raising=False)
    monkeypatch.setattr(parameters_base, "DEFAULT_PROVIDERS", {})
    key_from_secret.cache_clear()
    with mock_aws():
        yield boto3.client("secretsmanager")
    key_from_secret.cache_clear()


def test_in_aws_the_key_is_derived_from_the_secret_and_survives_a_cold_start(
    secrets_manager: Any, tmp_path: Path
) -> None:
    arn = secrets_manager.create_secret(Name="forge-mfa", SecretString="s3cr3t" * 11)["ARN"]
    sealed = secret_box(Settings(FORGE_MFA_KEY_SECRET_ARN=arn, FORGE_HOME=tmp_path / "one")).seal("x", b"seed")
    key_from_secret.cache_clear()  # another execution environment: a different /tmp, the same secret
    reopened = secret_box(Settings(FORGE_MFA_KEY_SECRET_ARN=arn, FORGE_HOME=tmp_path / "two"))
    assert reopened.open("x", sealed) == b"seed"
    assert SecretBox(derive_key("s3cr3t" * 11)).open("x", sealed) == b"seed"
    assert not list(tmp_path.rglob("mfa.key"))  # the secret, never a key file, in AWS


def test_an_unreadable_or_weak_secret_is_an_error_never_a_random_key(secrets_manager: Any, tmp_path: Path) -> None:
    missing = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:forge-mfa-gone-AbCdEf"
    with pytest.raises(MfaKeySecretError, match="cannot read the MFA key secret"):
        secret_box(Settings(FORGE_MFA_KEY_SECRET_ARN=missing, FORGE_HOME=tmp_path))
    weak = secrets_manager.create_secret(Name="forge-mfa-weak", SecretString="short")["ARN"]
    with pytest.raises(MfaKeySecretError, match="at least 32 characters"):
        secret_box(Settings(FORGE_MFA_KEY_SECRET_ARN=weak, FORGE_HOME=tmp_path))
    assert not (tmp_path / "auth" / "mfa.key").exists()
