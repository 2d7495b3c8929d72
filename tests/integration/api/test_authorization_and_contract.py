"""Every route of the resolver, times no token / forged / expired / ops / admin, through API Gateway proxy
events and through the loopback server; the committed OpenAPI document matches the code; schemathesis
against that document on the loopback server finds no 5xx and no response outside the document."""

from __future__ import annotations

import json
import time
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from forge.api.app import PUBLIC_PATHS, app, handler
from forge.api.auth import Admin
from forge.api.openapi_doc import COMMITTED, render
from forge.local.api_server import ApiServer, proxy_event
from forge.local.tokens import AUDIENCE, ISSUER, LocalIssuer
from forge.models.spec import load_spec
from tests.integration.api.conftest import CONTEXT, EXAMPLE, GROUPS, WorkflowSpy

IDENTITIES = ("none", "forged", "expired", "ops", "admin")
SOME_ID = "00000000-0000-4000-8000-000000000001"


def routes() -> list[tuple[str, str, bool]]:
    """(method, path with ids filled, admin only) for every route registered on the resolver."""
    found = []
    for route in app._static_routes + app._dynamic_routes:
        hints = typing.get_type_hints(route.func, include_extras=True)
        admin_only = any(hint == Admin for hint in hints.values())
        path = route.path
        for name in ("job_id", "package_id", "request_id"):
            path = path.replace(f"<{name}>", SOME_ID)
        path = path.replace("<name>", "zed")
        found.append((route.method, path, admin_only))
    assert len(found) >= 16, found
    return sorted(found)


def body_for(method: str, path: str) -> dict[str, Any] | None:
    """A valid body, so each answer is about who asks, not about what they sent."""
    if method != "POST":
        return None
    if path.endswith("/jobs"):
        return {"spec": load_spec(EXAMPLE).model_dump(mode="json")}
    if path.endswith("/approvals"):
        return {"package_id": SOME_ID}
    if path.endswith("/approvers"):
        return {"name": "zed"}
    if path.endswith(("/approve", "/reject")):
        return {"mfa_code": "123456", "comment": "ok"}
    if path.endswith("/revoke"):
        return {"reason": "key compromised"}
    if path.endswith(("/unlock", "/deactivate")):
        return {"reason": "checked with the approver"}
    return {}


def expected(path: str, admin_only: bool, identity: str, status: int) -> bool:
    if path in PUBLIC_PATHS:
        return status < 400
    if identity in ("none", "forged", "expired"):
        return status == 401
    if admin_only and identity == "ops":
        return status == 403
    return status not in (401, 403) and status < 500


def event_claims(identity: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """What the Lambda sees. API Gateway's authorizer drops forged and expired tokens before the Lambda
    runs; should one reach it anyway, it carries a header but no verified claims."""
    if identity in ("ops", "admin"):
        return {"cognito:username": f"u-{identity}", "cognito:groups": GROUPS[identity]}, {}
    if identity == "none":
        return None, {}
    return None, {"Authorization": f"Bearer {identity}-token"}


def test_matrix_through_api_gateway_events(api: WorkflowSpy) -> None:
    wrong = []
    for method, path, admin_only in routes():
        for identity in IDENTITIES:
            claims, headers = event_claims(identity)
            body = body_for(method, path)
            raw = json.dumps(body).encode() if body is not None else b""
            if raw:
                headers = {**headers, "Content-Type": "application/json"}
            response = handler(proxy_event(method, path, headers, raw, claims), CONTEXT)
            if not expected(path, admin_only, identity, response["statusCode"]):
                wrong.append((method, path, identity, response["statusCode"], response["body"][:200]))
    assert wrong == []


@pytest.fixture
def server(api: WorkflowSpy, tmp_path: Path) -> Iterator[tuple[str, LocalIssuer]]:
    issuer = LocalIssuer(tmp_path / "auth")
    srv = ApiServer(lambda event, _ctx: handler(event, CONTEXT), issuer, 0)
    srv.start()
    yield srv.url, issuer
    srv.stop()


def tokens(issuer: LocalIssuer) -> dict[str, str | None]:
    issuer.mint("warmup", "ops")
    now = int(time.time())
    other = LocalIssuer(issuer.auth_dir.parent / "someone-else")
    return {
        "none": None,
        "forged": other.mint("u-forged", "admin"),  # well-formed, signed by a key the server does not trust
        "expired": jwt.encode(
            {
                "sub": "u",
                "cognito:username": "u",
                "cognito:groups": ["pay_admin"],
                "iss": ISSUER,
                "aud": AUDIENCE,
                "iat": now - 7200,
                "exp": now - 3600,
            },
            issuer._private,
            algorithm="RS256",
        ),
        "ops": issuer.mint("u-ops", "ops"),
        "admin": issuer.mint("u-admin", "admin"),
    }


def test_matrix_through_the_loopback_server(server: tuple[str, LocalIssuer]) -> None:
    url, issuer = server
    minted = tokens(issuer)
    wrong = []
    for method, path, admin_only in routes():
        for identity in IDENTITIES:
            headers = {"Authorization": f"Bearer {minted[identity]}"} if minted[identity] else {}
            response = requests.request(method, url + path, json=body_for(method, path), headers=headers, timeout=30)
            if not expected(path, admin_only, identity, response.status_code):
                wrong.append((method, path, identity, response.status_code, response.text[:200]))
            if response.status_code >= 400:
                assert response.headers["Content-Type"].startswith("application/json")
                assert "Traceback" not in response.text
    assert wrong == []


def test_committed_openapi_document_matches_the_code() -> None:
    assert COMMITTED.read_text() == render(), "docs/openapi.json drifted: run `python -m forge.api.openapi_doc`"
    paths = json.loads(COMMITTED.read_text())["paths"]
    assert all(p.startswith("/api/v1/forge/") for p in paths)


SCHEMA = schemathesis.openapi.from_path(str(COMMITTED))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


def test_schemathesis_against_the_committed_document(server: tuple[str, LocalIssuer]) -> None:
    url, issuer = server
    headers = {"Authorization": f"Bearer {issuer.mint('fuzzer', 'admin')}"}
    operations = [result.ok() for result in SCHEMA.get_all_operations() if not result.ok().path.endswith("/docs")]
    assert len(operations) >= 14

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        operation = data.draw(st.sampled_from(operations))
        case = data.draw(operation.as_strategy())
        case.call_and_validate(base_url=url, headers=headers, checks=CHECKS)

    for _ in range(len(operations)):
        fuzz()


def _raw_request(url: str, request: bytes) -> bytes:
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_the_loopback_adapter_answers_malformed_requests(server: tuple[str, LocalIssuer]) -> None:
    url, issuer = server
    token = issuer.mint("carol", "ops")
    reply = _raw_request(
        url,
        b"POST /api/v1/forge/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode() + b"\r\n"
        b"Content-Type: application/json\r\nContent-Length: abc\r\nConnection: close\r\n\r\n",
    )
    assert reply.startswith(b"HTTP/1.0 400") or reply.startswith(b"HTTP/1.1 400"), reply[:200]
    assert b"Content-Length" in reply
