"""The Bedrock adapter: moto 5.2.5 implements bedrock-runtime InvokeModel only, not Converse, so botocore's
Stubber checks the request against the real Converse service model and plays the answers."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from forge.generation.bedrock import TOOL_NAME, BedrockModel
from forge.generation.model import ModelCallFailed
from forge.generation.output import FILES_SCHEMA
from forge.generation.prompts import Prompt

MODEL_ID = "anthropic.claude-3-5-sonnet-20240620-v1:0"
PROMPT = Prompt(system="be good", user="write it")
FILES = {"files": [{"path": "a.php", "content": "<?php\n"}]}


def converse_response(content: list[dict[str, Any]], stop: str = "tool_use") -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop,
        "usage": {"inputTokens": 10, "outputTokens": 20, "totalTokens": 30},
        "metrics": {"latencyMs": 5},
    }


@pytest.fixture
def client() -> Any:
    return boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_forces_the_files_tool_and_reads_its_input(client: Any) -> None:
    model = BedrockModel(MODEL_ID, client)
    with Stubber(client) as stub:
        stub.add_response(
            "converse",
            converse_response([{"toolUse": {"toolUseId": "t1", "name": TOOL_NAME, "input": FILES}}]),
            expected_params=model.request(PROMPT),
        )
        answer = model.complete(PROMPT)
        stub.assert_no_pending_responses()
    request = model.request(PROMPT)
    assert request["toolConfig"]["toolChoice"] == {"tool": {"name": TOOL_NAME}}
    assert request["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"] == {"json": FILES_SCHEMA}
    assert request["system"] == [{"text": "be good"}]
    assert request["modelId"] == MODEL_ID
    assert answer.content == FILES
    assert answer.model_version == MODEL_ID
    assert answer.metadata["usage"]["totalTokens"] == 30
    assert '"toolUse"' in answer.raw


def test_an_answer_without_the_tool_is_a_failed_call(client: Any) -> None:
    with Stubber(client) as stub:
        stub.add_response("converse", converse_response([{"text": "Sure!"}], stop="end_turn"))
        with pytest.raises(ModelCallFailed, match="without calling") as caught:
            BedrockModel(MODEL_ID, client).complete(PROMPT)
    assert caught.value.transient is False


@pytest.mark.parametrize(("code", "transient"), [("ThrottlingException", True), ("ValidationException", False)])
def test_service_errors(client: Any, code: str, transient: bool) -> None:
    with Stubber(client) as stub:
        stub.add_client_error("converse", service_error_code=code, service_message="no", http_status_code=400)
        with pytest.raises(ModelCallFailed, match=code) as caught:
            BedrockModel(MODEL_ID, client).complete(PROMPT)
    assert caught.value.transient is transient
