"""The OpenAI-compatible adapter against a real HTTP server on loopback (its configuration alone:
tests/unit/generation/test_openai_compatible.py)."""

from __future__ import annotations

import json

import pytest

from forge.generation.model import ModelCallFailed
from forge.generation.openai_compatible import OpenAICompatibleModel
from forge.generation.output import FILES_SCHEMA
from forge.generation.prompts import Prompt
from tests.integration.generation.fake_openai import FakeOpenAI, completion

PROMPT = Prompt(system="be good", user="write it")


def model(url: str) -> OpenAICompatibleModel:
    return OpenAICompatibleModel(url, "sira-codegen", "sk-test", timeout_seconds=10)


def test_sends_a_structured_output_request_and_reads_the_answer() -> None:
    with FakeOpenAI([lambda body: (200, completion('{"files": []}', "sira-codegen-2024-06"))]) as fake:
        answer = model(fake.url).complete(PROMPT)
    body = fake.requests[0]
    assert fake.paths == ["/v1/chat/completions"]
    assert fake.headers[0]["Authorization"] == "Bearer sk-test"
    assert body["model"] == "sira-codegen"
    assert body["temperature"] == 0
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
    assert f"HTTP {status}" in str(caught.value)
    assert "nope" in str(caught.value)


def test_unreadable_completion_and_unreachable_endpoint() -> None:
    with FakeOpenAI([lambda body: (200, {"choices": []})]) as fake:
        with pytest.raises(ModelCallFailed, match="unreadable completion") as caught:
            model(fake.url).complete(PROMPT)
        assert caught.value.transient is False
        port = fake.server.server_address[1]
    with pytest.raises(ModelCallFailed, match="unreachable") as down:
        model(f"http://127.0.0.1:{port}/v1").complete(PROMPT)
    assert down.value.transient is True
