"""An OpenAI-compatible chat completions endpoint (SIRA_API_URL), spoken with urllib3.

urllib3 ships with botocore, so the Lambda needs no extra dependency. The answer is requested as
structured output (response_format json_schema) and validated by the forge regardless.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import urllib3

from forge.config import Settings
from forge.errors import ForgeError
from forge.generation.model import ModelAnswer, ModelCallFailed
from forge.generation.output import FILES_SCHEMA
from forge.generation.prompts import Prompt
from forge.generation.secrets import sira_api_key

MAX_TOKENS = 32_000
_TRANSIENT_STATUSES = {408, 409, 429, 500, 502, 503, 504}
# The whole authority, not a parsed hostname: urlsplit reads "[::1].evil.example" as host ::1.
_LOOPBACK_AUTHORITY = re.compile(r"(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?", re.I)


def check_endpoint_url(url: str) -> None:
    """The key travels in a header: plain HTTP only to loopback (a local model server or a test).

    The host is parsed, not prefix-matched: http://localhost.evil.example would otherwise pass."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a malformed port
        if parts.scheme == "https" and parts.hostname:
            return
        if parts.scheme == "http" and parts.hostname and _LOOPBACK_AUTHORITY.fullmatch(parts.netloc):
            return
    except ValueError:  # a malformed IPv6 literal or port
        pass
    raise ForgeError(f"SIRA_API_URL must be https:// (or http on 127.0.0.1, localhost or [::1]), got {url!r}")


def completions_url(base: str) -> str:
    base = base.rstrip("/")
    return base if base.endswith("/chat/completions") else base + "/chat/completions"


class OpenAICompatibleModel:
    def __init__(self, url: str, model: str, api_key: str, timeout_seconds: float) -> None:
        check_endpoint_url(url)
        self.url = completions_url(url)
        self.model = model
        self.api_key = api_key
        self.http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=10, read=timeout_seconds), retries=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAICompatibleModel:
        if not settings.sira_api_url:
            raise ForgeError("the openai provider needs SIRA_API_URL")
        return cls(settings.sira_api_url, settings.sira_model, sira_api_key(settings), settings.llm_timeout_seconds)

    def request_body(self, prompt: Prompt) -> dict[str, Any]:
        return {
            "model": self.model,
            "temperature": 0,
            "max_tokens": MAX_TOKENS,
            "messages": [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": prompt.user},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "plugin_files", "strict": True, "schema": FILES_SCHEMA},
            },
        }

    def complete(self, prompt: Prompt) -> ModelAnswer:
        try:
            response = self.http.request(
                "POST",
                self.url,
                body=json.dumps(self.request_body(prompt)).encode(),
                headers={
                    "Authorization": f"Bearer {self.api_key}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )
        except urllib3.exceptions.HTTPError as exc:
            raise ModelCallFailed(f"{self.url} unreachable: {exc}", True, self.model) from None
        raw = response.data.decode("utf-8", "replace")
        if response.status != 200:
            raise ModelCallFailed(
                f"{self.url} answered HTTP {response.status}: {raw[:500]}",
                response.status in _TRANSIENT_STATUSES,
                self.model,
            )
        try:
            body = json.loads(raw)
            message = body["choices"][0]["message"]
            content = message.get("content")
            if not content and message.get("tool_calls"):
                content = message["tool_calls"][0]["function"]["arguments"]
            if not isinstance(content, str):
                raise TypeError("no content")
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ModelCallFailed(f"{self.url} sent an unreadable completion: {exc}", False, self.model) from None
        return ModelAnswer(
            content=content,
            raw=raw,
            model_version=str(body.get("model") or self.model),
            metadata={
                "endpoint": self.url,
                "finish_reason": body["choices"][0].get("finish_reason"),
                "usage": body.get("usage") or {},
            },
        )
