"""Serves the API Lambda handler on 127.0.0.1, turning HTTP requests into API Gateway proxy events.

Like API Gateway with a Cognito authorizer: the bearer token is verified here, before the handler runs,
and its claims are placed in requestContext.authorizer.claims.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from forge.api.app import MAX_BODY_BYTES, PUBLIC_PATHS
from forge.errors import ForgeError
from forge.local.http_server import LoopbackHandler, LoopbackHTTPServer
from forge.local.sign_in import PATH as SIGN_IN_PATH
from forge.local.sign_in import sign_in
from forge.local.tokens import LocalIssuer, TokenError
from forge.local.ui_files import SECURITY_HEADERS, UiFiles
from forge.observability import logger

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
METRICS_PATH = "/metrics"
PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Everything under /api/ is the API's (an unknown path there is the API's 404, after the token check).
API_PREFIX = "/api/"


def proxy_event(
    method: str, raw_path: str, headers: dict[str, str], body: bytes, claims: dict[str, Any] | None
) -> dict[str, Any]:
    parts = urlsplit(raw_path)
    query = parse_qs(parts.query, keep_blank_values=True)
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    context: dict[str, Any] = {
        "resourcePath": parts.path,
        "httpMethod": method,
        "path": parts.path,
        "stage": "local",
        "requestId": str(uuid.uuid4()),
        "identity": {"sourceIp": "127.0.0.1"},
    }
    if claims is not None:
        context["authorizer"] = {"claims": claims}
    return {
        "resource": parts.path,
        "path": parts.path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": context,
        "body": text if body else None,
        "isBase64Encoded": encoded,
    }


class ApiServer:
    """The API under /api/v1/forge; beside it, on the same port: GET /metrics (a bearer token, like the API), the
    sign-in page's POST /local/sign-in (the FORGE_HOME sign-in key) and the built ops UI at / (public files)."""

    def __init__(
        self,
        handler: LambdaHandler,
        issuer: LocalIssuer,
        port: int,
        host: str = "127.0.0.1",
        request_timeout: float | None = None,
        metrics: Callable[[], bytes] | None = None,
        ui: UiFiles | None = None,
        sign_in_key: str | None = None,
    ) -> None:
        self._handler = handler
        self._issuer = issuer
        self._metrics = metrics
        self._ui = ui
        self._sign_in_key = sign_in_key
        try:
            self._server = LoopbackHTTPServer((host, port), self._handler_class(), request_timeout)
        except OSError as exc:
            raise ForgeError(f"cannot serve the API on {host}:{port}: {exc.strerror}; choose another --port") from None
        self._thread = threading.Thread(target=self._server.serve_forever, name="api", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[LoopbackHandler]:  # noqa: C901 - the sum of the nested class's methods (each <= 7)
        server = self

        class Handler(LoopbackHandler):
            def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in ("content-length", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                self._reply(status, {"Content-Type": "application/json"}, json.dumps(payload).encode())

            def refuse(self, status: int, error: str, message: str) -> None:
                self._json(status, {"error": error, "message": message, "problems": []})

            def _handle(self) -> None:
                try:
                    self._serve()
                except Exception:  # noqa: BLE001 - logged below
                    # The handler maps every error it knows; anything else is a bug, logged here, and the caller
                    # still gets an answer rather than a dropped connection.
                    logger.exception("loopback adapter failed a request")
                    self.close_connection = True
                    answer = {"error": "internal", "message": "internal error; see the server log", "problems": []}
                    self._json(500, answer)

            def _claims(self, path: str) -> tuple[dict[str, Any] | None, bool]:
                """(claims, refused): the bearer token's claims; refused (with the 401 sent) when the path needs
                a token and the request has no valid one."""
                auth = "" if path.startswith(PUBLIC_PATHS) else self.headers.get("Authorization", "")
                if auth:
                    scheme, _, token = auth.partition(" ")
                    try:
                        if scheme.lower() != "bearer" or not token:
                            raise TokenError("use 'Authorization: Bearer <token>'")
                        return server._issuer.verify(token.strip()), False
                    except TokenError as exc:
                        self.refuse(401, "unauthorized", str(exc))
                        return None, True
                if path.startswith(PUBLIC_PATHS):
                    return None, False
                self.refuse(
                    401,
                    "unauthorized",
                    "authentication required; get a token with `forge token --user NAME --role ops`",
                )
                return None, True

            def _serve(self) -> None:
                body = self.read_body(MAX_BODY_BYTES)
                if body is None:
                    return
                path = urlsplit(self.path).path
                if path == METRICS_PATH and self.command == "GET" and server._metrics is not None:
                    if not self._claims(path)[1]:
                        self._reply(200, {"Content-Type": PROMETHEUS_CONTENT_TYPE}, server._metrics())
                    return
                if path == SIGN_IN_PATH and self.command == "POST" and server._sign_in_key is not None:
                    status, answer = sign_in(server._issuer, server._sign_in_key, body)
                    self._json(status, answer)
                    return
                if not path.startswith(API_PREFIX) and self.command in ("GET", "HEAD") and server._ui is not None:
                    self._serve_ui(path)
                    return
                self._serve_api(path, body)

            def _serve_ui(self, path: str) -> None:
                found = server._ui.lookup(path) if server._ui is not None else None
                if found is None:
                    self.refuse(404, "not_found", "no such file")
                    return
                self._reply(
                    200,
                    {"Content-Type": found.content_type, "Cache-Control": found.cache, **SECURITY_HEADERS},
                    found.body,
                )

            def _serve_api(self, path: str, body: bytes) -> None:
                claims, refused = self._claims(path)
                if refused:
                    return
                headers = {k: v for k, v in self.headers.items()}
                response = server._handler(proxy_event(self.command, self.path, headers, body, claims), None)
                out = response.get("body") or ""
                data = base64.b64decode(out) if response.get("isBase64Encoded") else out.encode()
                merged = dict(response.get("headers") or {})
                for key, values in (response.get("multiValueHeaders") or {}).items():
                    merged[key] = values[-1]
                self._reply(int(response.get("statusCode", 500)), merged, data)

            do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        return Handler
