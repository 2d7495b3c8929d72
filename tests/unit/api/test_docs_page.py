"""The Swagger page, built on its first request, is Powertools' own page: the same answers as a resolver that
enabled it at start."""

from __future__ import annotations

import pytest

from forge.api.app import DOCS_PATH, build_resolver, handler
from forge.local.api_server import proxy_event
from forge.local.aws_emulator import LambdaContext

CONTEXT = LambdaContext("forge-api", "arn:aws:lambda:us-east-1:123456789012:function:forge-api")


@pytest.mark.parametrize("query", ["", "?format=json", "?format=oauth2-redirect"])
def test_the_page_built_when_asked_is_the_page_built_at_start(query: str) -> None:
    event = proxy_event("GET", DOCS_PATH + query, {"Host": "127.0.0.1"}, b"", None)
    served = handler(event, CONTEXT)
    expected = build_resolver(swagger_now=True).resolve(event, CONTEXT)
    assert served["statusCode"] == expected["statusCode"] == 200
    assert served["multiValueHeaders"]["Content-Type"] == expected["multiValueHeaders"]["Content-Type"]
    assert served["body"] == expected["body"]
    assert "Plugin Forge API" in served["body"] or query == "?format=oauth2-redirect"
