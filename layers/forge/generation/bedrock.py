"""Amazon Bedrock through the Converse API; the files come back as the input of a forced tool call."""

from __future__ import annotations

import json
from typing import Any

from forge.config import Settings
from forge.generation.model import ModelAnswer, ModelCallFailed
from forge.generation.output import FILES_SCHEMA
from forge.generation.prompts import Prompt

TOOL_NAME = "write_plugin_files"
MAX_TOKENS = 32_000
_TRANSIENT_CODES = {
    "ThrottlingException",
    "ServiceUnavailableException",
    "InternalServerException",
    "ModelTimeoutException",
    "ModelNotReadyException",
}


class BedrockModel:
    def __init__(self, model_id: str, client: Any) -> None:
        self.model_id = model_id
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> BedrockModel:
        import boto3
        from botocore.config import Config

        config = Config(read_timeout=settings.llm_timeout_seconds, retries={"max_attempts": 2, "mode": "adaptive"})
        return cls(settings.bedrock_model_id, boto3.client("bedrock-runtime", config=config))

    def request(self, prompt: Prompt) -> dict[str, Any]:
        return {
            "modelId": self.model_id,
            "system": [{"text": prompt.system}],
            "messages": [{"role": "user", "content": [{"text": prompt.user}]}],
            "inferenceConfig": {"maxTokens": MAX_TOKENS, "temperature": 0.0},
            "toolConfig": {
                "tools": [
                    {
                        "toolSpec": {
                            "name": TOOL_NAME,
                            "description": "Write every file of the plugin.",
                            "inputSchema": {"json": FILES_SCHEMA},
                        }
                    }
                ],
                "toolChoice": {"tool": {"name": TOOL_NAME}},
            },
        }

    def complete(self, prompt: Prompt) -> ModelAnswer:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self.client.converse(**self.request(prompt))
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            raise ModelCallFailed(
                f"Bedrock refused the call: {code}: {exc}", code in _TRANSIENT_CODES, self.model_id
            ) from None
        except BotoCoreError as exc:
            raise ModelCallFailed(f"Bedrock unreachable: {exc}", True, self.model_id) from None
        blocks = response.get("output", {}).get("message", {}).get("content", [])
        tool_inputs = [
            b["toolUse"]["input"] for b in blocks if "toolUse" in b and b["toolUse"].get("name") == TOOL_NAME
        ]
        raw = json.dumps({k: v for k, v in response.items() if k != "ResponseMetadata"}, sort_keys=True, default=str)
        if not tool_inputs:
            raise ModelCallFailed(
                f"Bedrock answered without calling {TOOL_NAME} (stopReason {response.get('stopReason')})",
                False,
                self.model_id,
            )
        return ModelAnswer(
            content=tool_inputs[0],
            raw=raw,
            model_version=self.model_id,
            metadata={"stop_reason": response.get("stopReason"), "usage": response.get("usage") or {}},
        )
