"""The OpenAI-compatible adapter against a real HTTP server on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forge.config import Settings
from forge.errors import ForgeError
from forge.generation.model import ModelCallFailed
from forge.generation.openai_compatible import OpenAICompatibleModel, completions_url
from forge.generation.output import FILES_SCHEMA
from forge.generation.prompts import Prompt
from forge.generation.secrets import sira_api_key
from tests.unit.generation.fake_openai import FakeOpenAI, completion

PROMPT = Prompt(system="be good", user="write it")


def model(url: str) -> OpenAICompatibleModel:
    return OpenAICompatibleModel(url, "sira-codegen", "sk-test", timeout_seconds=10)


def test_sends_a_structured_output_request_and_reads_the_answer() -> None:
    with FakeOpenAI([lambda body: (200, completion('{"files": []}', "sira-codegen-2024-06"))]) as fake:
        answer = model(fake.url).complete(PROMPT)
    body = fake.requests[0]
    assert fake.paths == ["/v1/chat/completions"]
    assert fake.headers[0]["Authorization"] == "Bearer sk-test"
    assert body["model"] == "sira-codegen" and body["temperature"] == 0
    assert body["messages"] == [{"role": "system", "content": "be good"}, {"role": "user", "content": "write it"}]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == FILES_SCHEMA
    assert answer.content == '{"files": []}'
    assert answer.model_version == "sira-codegen-2024-06"
    assert json.loads(answer.raw)["usage"]["total_tokens"] == 30
    assert answer.metadata["finish_reason"] == "stop"


def test_tool_call_answers_are_read_too() -> None:
    tool = completion("")
    tool["choices"][0]["message"] = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"type": "function", "function": {"name": "w", "arguments": '{"files": []}'}}],
    }
    with FakeOpenAI([lambda body: (200, tool)]) as fake:
        assert model(fake.url).complete(PROMPT).content == '{"files": []}'


@pytest.mark.parametrize(("status", "transient"), [(429, True), (503, True), (400, False), (401, False)])
def test_http_errors_say_whether_a_retry_may_help(status: int, transient: bool) -> None:
    with (
        FakeOpenAI([lambda body: (status, {"error": {"message": "nope"}})]) as fake,
        pytest.raises(ModelCallFailed) as caught,
    ):
        model(fake.url).complete(PROMPT)
    assert caught.value.transient is transient
    assert f"HTTP {status}" in str(caught.value) and "nope" in str(caught.value)


def test_unreadable_completion_and_unreachable_endpoint() -> None:
    with FakeOpenAI([lambda body: (200, {"choices": []})]) as fake:
        with pytest.raises(ModelCallFailed, match="unreadable completion") as caught:
            model(fake.url).complete(PROMPT)
        assert caught.value.transient is False
        port = fake.server.server_address[1]
    with pytest.raises(ModelCallFailed, match="unreachable") as down:
        model(f"http://127.0.0.1:{port}/v1").complete(PROMPT)
    assert down.value.transient is True


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
