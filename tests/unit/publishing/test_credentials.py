"""Where a marketplace credential is read from: the forge_secrets row's vault_path, never the connector's row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from forge.config import Settings
from forge.errors import ForgeError
from forge.models.publication import SecretReference
from forge.publishing.credentials import ForgeSecretStore


class References:
    def __init__(self, **rows: SecretReference) -> None:
        self.rows = rows

    def secret(self, name: str) -> SecretReference:
        return self.rows[name]


def store(home: Path, vault_path: str | None, due: bool = False) -> ForgeSecretStore:
    row = SecretReference(name="s", secret_type="cms_credential", vault_path=vault_path, rotation_due=due)
    return ForgeSecretStore(Settings(FORGE_HOME=home), References(s=row))  # type: ignore[arg-type]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        yield


def test_a_secrets_manager_arn_is_read_fresh_each_time(tmp_path: Path, aws: None) -> None:
    client = boto3.client("secretsmanager")
    arn = client.create_secret(Name="forge/wporg", SecretString="first")["ARN"]
    secrets = store(tmp_path, arn)
    assert secrets.read("s") == "first"
    client.put_secret_value(SecretId=arn, SecretString="rotated")
    assert secrets.read("s") == "rotated"


def test_the_local_secret_folder_and_its_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "secrets").mkdir(mode=0o700)
    (tmp_path / "secrets" / "wporg").write_text("  hunter2\n")
    assert store(tmp_path, "forge-home:wporg", due=True).read("s") == "hunter2"
    assert "forge_secret_rotation_overdue_total" in capsys.readouterr().out
    with pytest.raises(ForgeError, match="does not exist"):
        store(tmp_path, "forge-home:missing").read("s")
    with pytest.raises(ForgeError, match="invalid local secret name"):
        store(tmp_path, "forge-home:../etc/passwd").read("s")
    with pytest.raises(ForgeError, match="never kept in the row"):
        store(tmp_path, None).read("s")
    with pytest.raises(ForgeError, match="mount"):
        store(tmp_path, "nopath").read("s")
