"""Rotation on every backend: a new key signs, the old one stays verify-only, and what it signed still verifies.
The scheduled handler (functions/rotate_keys) and `forge keys rotate` do the same thing."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forge.cli.main import app
from forge.config import get_settings, reset_settings
from forge.db.repositories.keys import KeyRepository
from forge.local.aws_emulator import LambdaContext
from forge.signing.backends import active_signer, create_key
from forge.signing.verify import verify_signature
from tests.integration.supply_chain.vault_replay import VaultReplay

MESSAGE = b'{"contract":"plugin-forge signer","schema":"plugin-forge.contract/v1"}\n'
HANDLER = Path(__file__).resolve().parents[3] / "functions" / "rotate_keys" / "handler.py"


@pytest.fixture
def signer_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield monkeypatch
    reset_settings()


def test_kms_rotation_is_a_new_key_and_update_alias(db, signer_env: pytest.MonkeyPatch) -> None:
    from moto import mock_aws

    from forge.signing.kms_signer import alias_target

    signer_env.setenv("FORGE_SIGNER", "kms")
    signer_env.setenv("AWS_DEFAULT_REGION", "us-east-1")
    reset_settings()
    with mock_aws():
        keys = KeyRepository(db)
        first, signer = active_signer(keys, get_settings())
        signature = signer.sign(MESSAGE)
        assert alias_target(get_settings().kms_key_alias) == first.backend_ref
        second = create_key(keys, get_settings(), new=True)
        assert alias_target(get_settings().kms_key_alias) == second.backend_ref != first.backend_ref
        retired = keys.get(first.key_id)
        assert retired.status == "retired"
        assert retired.retired_at is not None
        assert verify_signature(MESSAGE, signature, retired.public_pem.encode())
        assert keys.active().key_id == second.key_id


def test_vault_rotation_registers_the_new_version(db, signer_env: pytest.MonkeyPatch) -> None:
    with VaultReplay() as vault:
        signer_env.setenv("FORGE_SIGNER", "vault")
        signer_env.setenv("VAULT_ADDR", vault.url)
        signer_env.setenv("VAULT_TOKEN", vault.token)
        reset_settings()
        keys = KeyRepository(db)
        first, signer = active_signer(keys, get_settings())
        assert (first.backend, first.backend_ref) == ("vault", "plugin-forge-signing:1")
        old_signature = signer.sign(MESSAGE)
        second = create_key(keys, get_settings(), new=True)
        assert second.backend_ref == "plugin-forge-signing:2"
        assert second.key_id != first.key_id
        _key, new_signer = active_signer(keys, get_settings())
        new_signature = new_signer.sign(MESSAGE)
    assert verify_signature(MESSAGE, new_signature, second.public_pem.encode())
    assert verify_signature(MESSAGE, old_signature, keys.get(first.key_id).public_pem.encode())
    assert not verify_signature(MESSAGE, old_signature, second.public_pem.encode())


def test_a_compromised_key_never_becomes_active_again(db, softhsm: str) -> None:
    from forge.errors import Conflict

    keys = KeyRepository(db)
    key, _ = active_signer(keys, get_settings())
    create_key(keys, get_settings())
    db.execute("UPDATE signing_keys SET status = 'compromised' WHERE key_id = %s", (key.key_id,))
    with pytest.raises(Conflict, match="compromised"):
        keys.add_active(key.key_id, key.public_pem, key.backend, key.backend_ref)


def test_scheduled_handler_rotates_and_publishes_the_keyset(forge_env: Path, softhsm: str) -> None:
    from forge.wiring import default_deps, reset_deps

    spec = importlib.util.spec_from_file_location("rotate_keys_handler", HANDLER)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    reset_deps()
    try:
        context = LambdaContext("rotate-keys", "arn:aws:lambda:us-east-1:123456789012:function:rotate-keys")
        first = module.handler({}, context)
        assert first["previous_key_id"] is None
        second = module.handler({"source": "aws.scheduler"}, context)
        assert second["previous_key_id"] == first["key_id"]
        assert second["previous_status"] == "retired"
        keyset = json.loads((default_deps().settings.marketplace_dir / "keys.json").read_text())
        assert {k["key_id"]: k["status"] for k in keyset["keys"]} == {
            first["key_id"]: "retired",
            second["key_id"]: "active",
        }
    finally:
        reset_deps()


def test_forge_keys_rotate_and_list(forge_env: Path, softhsm: str) -> None:
    runner = CliRunner()
    empty = runner.invoke(app, ["keys", "list"])
    assert empty.exit_code == 0
    assert "no signing key yet" in empty.output
    first = runner.invoke(app, ["keys", "rotate"])
    second = runner.invoke(app, ["keys", "rotate"])
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    assert "is now retired (verify-only)" in second.output
    listed = runner.invoke(app, ["keys", "list"]).output.splitlines()
    assert [line.split()[1] for line in listed] == ["active", "retired"]


def test_forge_keys_compromise_marks_replaces_and_republishes(forge_env: Path, softhsm: str) -> None:
    from forge.config import get_settings as settings_now

    runner = CliRunner()
    assert runner.invoke(app, ["keys", "rotate"]).exit_code == 0
    assert runner.invoke(app, ["keys", "rotate"]).exit_code == 0
    active, retired = [line.split()[0] for line in runner.invoke(app, ["keys", "list"]).output.splitlines()]

    done = runner.invoke(app, ["keys", "compromise", retired, "--reason", "backup tape lost"])
    assert done.exit_code == 0, done.output
    assert f"key {retired} is now compromised: backup tape lost" in done.output
    # The active key was compromised: a new key takes over before keys.json is republished.
    done = runner.invoke(app, ["keys", "compromise", active, "--reason", "HSM PIN leaked"])
    assert done.exit_code == 0, done.output
    replacement = done.output.split("active key ")[1].split()[0]
    assert replacement not in (active, retired)
    listed = {line.split()[0]: line.split()[1] for line in runner.invoke(app, ["keys", "list"]).output.splitlines()}
    assert listed == {replacement: "active", active: "compromised", retired: "compromised"}

    root = settings_now().marketplace_dir
    keyset = json.loads((root / "keys.json").read_text())
    assert {k["key_id"]: k["status"] for k in keyset["keys"]} == listed
    revocations = json.loads((root / "revocations.json").read_text())
    assert revocations["key_id"] == replacement  # never left signed by a key merchants now refuse

    for args, message in (
        ([active, "--reason", "again"], "already marked compromised"),
        (["f" * 64, "--reason", "typo"], "is not in the keyset"),
        ([replacement, "--reason", "   "], "needs a reason"),
    ):
        refused = runner.invoke(app, ["keys", "compromise", *args])
        assert refused.exit_code == 1, refused.output
        assert message in refused.output, refused.output
    assert runner.invoke(app, ["keys", "compromise", replacement]).exit_code == 2  # --reason is required


def test_keys_commands_keep_logs_and_metrics_out_of_the_terminal(forge_env: Path, softhsm: str) -> None:
    # A real process: CliRunner swaps sys.stdout after the logger's handler already holds the real one.
    done = subprocess.run(
        [str(Path(sys.executable).parent / "forge"), "keys", "rotate"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    assert lines[0].startswith("active key "), done.stdout
    assert "{" not in done.stdout + done.stderr
    logged = (forge_env / "logs" / "cli.log").read_text()
    assert '"signing key rotated"' in logged
    assert "forge_signing_key_rotations_total" in logged
