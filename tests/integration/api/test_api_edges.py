"""The API's answers to bad requests: a 4xx with a JSON error naming the problem, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from forge.api.app import handler
from forge.local.api_server import proxy_event
from forge.local.aws_emulator import LambdaContext
from forge.wiring import reset_deps

OPS = {"cognito:username": "carol", "cognito:groups": "plugin_forge_ops"}
CONTEXT = LambdaContext("forge-api", "arn:aws:lambda:us-east-1:123456789012:function:forge-api")
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "woocommerce.yaml"


@pytest.fixture(autouse=True)
def _database(forge_env: Path) -> Iterator[None]:
    reset_deps()
    yield
    reset_deps()


def call(
    method: str, path: str, body: Any = None, claims: dict | None = OPS, content_type: str = "application/json"
) -> tuple[int, dict]:
    raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
    headers = {"Content-Type": content_type} if raw else {}
    response = handler(proxy_event(method, f"/api/v1/forge{path}", headers, raw, claims), CONTEXT)
    return response["statusCode"], json.loads(response["body"])


def test_health_needs_no_principal() -> None:
    status, body = call("GET", "/health", claims=None)
    assert status == 200
    assert body["status"] == "ok"


def test_missing_principal_and_missing_role() -> None:
    assert call("GET", "/jobs", claims=None)[0] == 401
    status, body = call("GET", "/jobs", claims={"cognito:username": "mallory", "cognito:groups": "guests"})
    assert status == 403
    assert "role" in body["message"]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "fragment"),
    [
        (b"{not json", "application/json", 400, "not valid JSON"),
        (b"[1, 2]", "application/json", 400, "JSON object"),
        (b"spec=1", "application/x-www-form-urlencoded", 415, "Content-Type"),
        (b"x" * (256 * 1024 + 1), "application/json", 413, "exceeds"),
        (b'{"spec": {"name": "a\\u0000b"}}', "application/json", 400, "NUL"),
    ],
)
def test_malformed_bodies(body: bytes, content_type: str, status: int, fragment: str) -> None:
    got, answer = call("POST", "/jobs", body, content_type=content_type)
    assert got == status
    assert fragment in answer["message"]


def test_unknown_fields_and_wrong_types_are_named() -> None:
    status, body = call("POST", "/jobs", {"spec": {"name": 5}, "colour": "red"})
    assert status == 422
    assert any(p.startswith("body: colour") and "unknown field" in p for p in body["problems"])
    assert any("spec.name" in p for p in body["problems"])
    assert any("spec.slug" in p and "required" in p for p in body["problems"])


def test_non_uuid_ids_unknown_routes_and_bad_queries() -> None:
    status, body = call("GET", "/jobs/not-a-uuid")
    assert status == 422
    assert body["problems"][0].startswith("path: job_id")
    assert call("GET", "/nope")[0] == 404
    assert call("GET", "/jobs?limit=0")[0] == 422
    assert call("GET", "/jobs?cursor=%%%")[0] == 400
    assert call("GET", "/jobs/00000000-0000-4000-8000-000000000000")[0] == 404
    assert call("POST", "/approvals/00000000-0000-4000-8000-000000000000/approve", {"mfa_code": "123456"})[0] == 404
    assert call("POST", "/approvals/00000000-0000-4000-8000-000000000000/approve", {"mfa_code": "12"})[0] == 422


def test_nul_in_query_or_path_is_refused_before_postgres_sees_it() -> None:
    # psycopg2 raises on NUL before the query runs; schemathesis found this as a 500.
    status, body = call("GET", "/jobs?requested_by=a%00b")
    assert status == 400
    assert "NUL" in body["message"]


def test_deeply_nested_json_is_a_400_not_a_crash() -> None:
    # json.loads raises RecursionError, not ValueError, past about a thousand levels.
    deep = b'{"a":' + b"[" * 5000 + b"]" * 5000 + b"}"
    status, body = call("POST", "/jobs", deep)
    assert status == 400
    assert "deeply" in body["message"]


def test_a_forged_deeply_nested_log_cursor_is_a_400() -> None:
    # `since` has no length limit of its own; a review found this as a 500 through GET /jobs/{id}/logs.
    import base64

    from forge.api.cursors import BadCursor, parse_log_cursor

    cursor = base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode().rstrip("=")
    with pytest.raises(BadCursor):
        parse_log_cursor(cursor)
