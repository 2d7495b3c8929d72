"""What the ops UI added to the API's loopback port answers only the runtime's own clients, as another local user
(who reaches loopback but cannot read FORGE_HOME) would try it: the sign-in page mints no token without the
FORGE_HOME sign-in key, GET /metrics needs a token like the API, and the UI's files are the only files served."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from forge.local.api_server import ApiServer
from forge.local.sign_in import sign_in_key
from forge.local.tokens import LocalIssuer
from forge.local.ui_files import UiFiles

SECRET = b"-----BEGIN PRIVATE KEY----- not for the browser"


def answer(event: dict[str, Any], _ctx: Any) -> dict[str, Any]:
    """The API handler's stand-in: says who called, so a test sees which requests reached it with a principal."""
    claims = (event["requestContext"].get("authorizer") or {}).get("claims") or {}
    return {"statusCode": 200, "headers": {}, "body": json.dumps({"user": claims.get("cognito:username")})}


@pytest.fixture
def port(tmp_path: Path) -> Iterator[tuple[str, LocalIssuer, str]]:
    """The API server as `forge up` builds it, on a UI build that sits beside a secret (as FORGE_HOME's files sit
    beside any folder), with a symlink in the build pointing at that secret."""
    (tmp_path / "secret.pem").write_bytes(SECRET)
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>Plugin Forge</title>")
    (dist / "assets" / "app-1234.js").write_text("console.log('ui')")
    (dist / "assets" / "linked.pem").symlink_to(tmp_path / "secret.pem")
    issuer = LocalIssuer(tmp_path / "auth")
    key = sign_in_key(tmp_path / "auth")
    server = ApiServer(answer, issuer, 0, metrics=lambda: b"forge_jobs_queued 0\n", ui=UiFiles(dist), sign_in_key=key)
    server.start()
    try:
        yield server.url, issuer, key
    finally:
        server.stop()


def raw_get(url: str, path: str) -> tuple[int, bytes]:
    """A GET of `path` exactly as written: no client-side normalisation of `..` or percent-escapes."""
    host, port_number = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port_number), timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_the_sign_in_page_mints_no_token_without_the_forge_home_key(port: tuple[str, LocalIssuer, str]) -> None:
    """Only who can read FORGE_HOME (and so could run `forge token`) gets a token from the sign-in page."""
    url, issuer, key = port
    for attempt in ({"user": "mallory", "role": "admin"}, {"user": "mallory", "role": "admin", "key": "guess"}):
        response = requests.post(f"{url}/local/sign-in", json=attempt, timeout=10)
        assert response.status_code in (401, 422), response.text
        assert "token" not in response.json()
    good = requests.post(f"{url}/local/sign-in", json={"user": "olivia", "role": "ops", "key": key}, timeout=10)
    assert good.status_code == 200, good.text
    token = good.json()["token"]
    assert issuer.verify(token)["cognito:username"] == "olivia"
    api = requests.get(f"{url}/api/v1/forge/jobs", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert api.json() == {"user": "olivia"}


def test_metrics_answer_only_bearer_tokens_the_runtime_issued(
    port: tuple[str, LocalIssuer, str], tmp_path: Path
) -> None:
    """GET /metrics is behind the API's own token check: another local user scrapes nothing."""
    url, issuer, _ = port
    assert requests.get(f"{url}/metrics", timeout=10).status_code == 401
    foreign = LocalIssuer(tmp_path / "elsewhere").mint("mallory", "admin")
    assert requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {foreign}"}, timeout=10).status_code == 401
    own = issuer.mint("prometheus", "ops")
    scraped = requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {own}"}, timeout=10)
    assert scraped.status_code == 200
    assert scraped.text == "forge_jobs_queued 0\n"


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.pem",
        "/%2e%2e/secret.pem",
        "/assets/../../secret.pem",
        "/assets/%2e%2e/%2e%2e/secret.pem",
        "/assets/..%2f..%2fsecret.pem",
        "//" + "tmp/secret.pem",
        "/assets/linked.pem",
        "/index.html/../../secret.pem",
    ],
)
def test_the_ui_serves_only_the_files_of_its_build(port: tuple[str, LocalIssuer, str], path: str) -> None:
    """No URL reaches a file outside the UI's build, by `..`, escapes or a symlink inside it."""
    url, _, _ = port
    _status, body = raw_get(url, path)
    assert SECRET not in body


def test_the_ui_is_served_with_a_strict_content_security_policy(port: tuple[str, LocalIssuer, str]) -> None:
    """The UI's page runs only its own scripts: no inline script, no other origin, no framing."""
    url, _, _ = port
    for path in ("/", "/approvals/123"):
        page = requests.get(url + path, timeout=10)
        assert page.status_code == 200
        assert "Plugin Forge" in page.text
        policy = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy
    assert requests.get(f"{url}/assets/missing.js", timeout=10).status_code == 404
