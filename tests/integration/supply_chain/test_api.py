"""GET /keys for any authenticated principal; POST /packages/{id}/revoke for admins only, with a reason."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from forge.api.app import handler
from forge.local.api_server import proxy_event
from forge.local.aws_emulator import LambdaContext
from forge.pipeline.deps import PipelineDeps
from tests.integration.supply_chain.flow import released

OPS = {"cognito:username": "carol", "cognito:groups": "plugin_forge_ops"}
ADMIN = {"cognito:username": "root", "cognito:groups": "pay_admin"}
CONTEXT = LambdaContext("forge-api", "arn:aws:lambda:us-east-1:123456789012:function:forge-api")


@pytest.fixture
def deps(forge_env: Path, softhsm: str) -> Iterator[PipelineDeps]:
    from forge.wiring import default_deps, reset_deps

    reset_deps()
    yield default_deps()
    reset_deps()


def call(method: str, path: str, body: Any = None, claims: dict | None = OPS) -> tuple[int, dict]:
    raw = json.dumps(body).encode() if body is not None else b""
    headers = {"Content-Type": "application/json"} if raw else {}
    response = handler(proxy_event(method, f"/api/v1/forge{path}", headers, raw, claims), CONTEXT)
    return response["statusCode"], json.loads(response["body"])


def test_keys_lists_the_keyset_for_any_principal(deps: PipelineDeps) -> None:
    assert call("GET", "/keys")[1]["keys"] == []
    released(deps)
    status, body = call("GET", "/keys")
    active = deps.repos.keys.active()
    assert status == 200
    assert body["schema"] == "plugin-forge.keyset/v1"
    assert [(k["key_id"], k["status"], k["public_pem"]) for k in body["keys"]] == [
        (active.key_id, "active", active.public_pem)
    ]
    assert "backend_ref" not in body["keys"][0]  # which HSM object or ARN is the forge's business
    assert call("GET", "/keys", claims=ADMIN)[0] == 200
    assert call("GET", "/keys", claims=None)[0] == 401


def test_revoke_needs_an_admin_and_a_reason(deps: PipelineDeps) -> None:
    job, folder = released(deps)
    path = f"/packages/{job.plugin_package_id}/revoke"
    status, body = call("POST", path, {"reason": "leaked key"}, claims=OPS)
    assert status == 403
    assert "pay_admin" in body["message"]
    for bad in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x", "extra": 1}):
        status, body = call("POST", path, bad, claims=ADMIN)
        assert status == 422, (bad, body)
    assert call("POST", f"/packages/{uuid.uuid4()}/revoke", {"reason": "x"}, claims=ADMIN)[0] == 404
    assert call("POST", "/packages/not-a-uuid/revoke", {"reason": "x"}, claims=ADMIN)[0] == 422
    assert folder.exists()

    status, body = call("POST", path, {"reason": "leaked key"}, claims=ADMIN)
    assert status == 200, body
    assert (body["status"], body["reason"], body["revoked_by"]) == ("revoked", "leaked key", "root")
    assert body["revocation_list_version"] == 2
    assert body["retracted_releases"] == 1
    again_status, again = call("POST", path, {"reason": "twice"}, claims=ADMIN)
    assert again_status == 409
    assert "already revoked" in again["message"]
    assert not folder.exists()
