"""The OpenAI-compatible adapter's configuration: which URLs it accepts, where its key comes from.

Its calls against a real HTTP server on loopback: tests/integration/generation/test_openai_compatible.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from forge.config import Settings
from forge.errors import ForgeError
from forge.generation.openai_compatible import OpenAICompatibleModel, completions_url
from forge.generation.secrets import sira_api_key


def model(url: str) -> OpenAICompatibleModel:
    return OpenAICompatibleModel(url, "sira-codegen", "sk-test", timeout_seconds=10)


@pytest.mark.parametrize(
    "url",
    [
        "http://models.example.com/v1",
        "http://localhost.evil.example/v1",
        "http://127.0.0.1.nip.io/v1",
        "http://[::1].evil.example/v1",
        "http://localhost@evil.example/v1",
        "http://127.0.0.1:notaport/v1",
        "http://[::1/v1",
        "ftp://127.0.0.1/v1",
        "https:///v1",
    ],
)
def test_plain_http_is_refused_except_on_loopback(url: str) -> None:
    with pytest.raises(ForgeError, match="https"):
        model(url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/v1", "http://localhost/v1", "http://[::1]:9/v1", "https://models.example.com/v1"]
)
def test_https_and_exact_loopback_hosts_are_accepted(url: str) -> None:
    assert model(url).url == url + "/chat/completions"


def test_completions_url() -> None:
    assert completions_url("https://x.example/v1/") == "https://x.example/v1/chat/completions"
    assert completions_url("https://x.example/v1/chat/completions") == "https://x.example/v1/chat/completions"


def test_key_comes_from_env_then_forge_home_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIRA_API_KEY", raising=False)
    settings = Settings(FORGE_HOME=tmp_path)
    with pytest.raises(ForgeError, match="no key for SIRA_API_URL"):
        sira_api_key(settings)
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "sira_api_key").write_text("sk-file\n")
    assert sira_api_key(settings) == "sk-file"
    monkeypatch.setenv("SIRA_API_KEY", "sk-env")
    assert sira_api_key(settings) == "sk-env"


def test_key_from_secrets_manager(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3
    from moto import mock_aws

    monkeypatch.delenv("SIRA_API_KEY", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        sm = boto3.client("secretsmanager")
        sm.create_secret(Name="forge/sira-api-key", SecretString="sk-aws")
        settings = Settings(FORGE_HOME=tmp_path, SIRA_API_KEY_SECRET_ID="forge/sira-api-key")
        assert sira_api_key(settings, sm) == "sk-aws"
        missing = Settings(FORGE_HOME=tmp_path, SIRA_API_KEY_SECRET_ID="forge/none")
        with pytest.raises(ForgeError, match="cannot read secret forge/none"):
            sira_api_key(missing, sm)
