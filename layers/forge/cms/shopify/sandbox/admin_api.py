"""The stand-in's GraphQL Admin endpoint: HTTPS on loopback, it records every request the app POSTs to
`/payments_apps/api/<version>/graphql.json` (or `/admin/api/...`) and answers the Payments Apps mutations as a
success, as Shopify documents them (the session with its new state, no userErrors). It checks nothing itself: the
scenarios (payment_flows, webhook_attacks, access) read what it recorded."""

from __future__ import annotations

import json
import re
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .test_ca import KeyPair

GRAPHQL_PATH = re.compile(r"^/(admin|payments_apps)/api/[0-9]{4}-[0-9]{2}/graphql\.json$")
MUTATION_FIELD = re.compile(r"\bmutation\b[^{]*\{\s*(?:\w+\s*:\s*)?(\w+)", re.DOTALL)
# The session each mutation returns, and the state it moves the session to.
OUTCOMES = {
    "paymentSessionResolve": ("paymentSession", "RESOLVED"),
    "paymentSessionReject": ("paymentSession", "REJECTED"),
    "paymentSessionPending": ("paymentSession", "PENDING"),
    "paymentSessionRedirect": ("paymentSession", "REDIRECTING"),
    "refundSessionResolve": ("refundSession", "RESOLVED"),
    "refundSessionReject": ("refundSession", "REJECTED"),
    "captureSessionResolve": ("captureSession", "RESOLVED"),
    "captureSessionReject": ("captureSession", "REJECTED"),
    "voidSessionResolve": ("voidSession", "RESOLVED"),
    "voidSessionReject": ("voidSession", "REJECTED"),
}


@dataclass(frozen=True)
class Recorded:
    path: str
    token: str
    mutation: str
    variables: dict[str, Any]
    query: str


@dataclass
class Recorder:
    calls: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)

    def add(self, call: Recorded) -> None:
        with self.changed:
            self.calls.append(call)
            self.changed.notify_all()

    def snapshot(self) -> list[Recorded]:
        with self.lock:
            return list(self.calls)

    def wait_for(self, mutation: str, session_gid: str, timeout: float, *others: str) -> Recorded | None:
        """The first recorded call of `mutation` (or of one of `others`) naming `session_gid`, waiting up to
        `timeout` seconds."""
        wanted = (mutation, *others)
        with self.changed:
            found = self.changed.wait_for(lambda: _find(self.calls, wanted, session_gid), timeout)
            return found or None


def _find(calls: list[Recorded], mutations: tuple[str, ...], session_gid: str) -> Recorded | None:
    for call in calls:
        if call.mutation in mutations and session_gid in json.dumps(call.variables) + call.query:
            return call
    return None


def answer(mutation: str, variables: dict[str, Any]) -> dict[str, Any]:
    session, state = OUTCOMES.get(mutation, ("", ""))
    if not session:
        return {"errors": [{"message": f"the Shopify stand-in does not serve {mutation or 'this query'}"}]}
    gid = str(variables.get("id") or "")
    body = {"id": gid, "state": {"__typename": f"{session[0].upper()}{session[1:]}State", "code": state}}
    if session == "paymentSession":
        body["nextAction"] = {"action": "REDIRECT", "context": {"redirectUrl": "https://shop.standin.invalid/thanks"}}
    return {"data": {mutation: {session: body, "userErrors": []}}}


def _handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class GraphQL(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if not GRAPHQL_PATH.match(self.path.split("?")[0]):
                self._send(404, {"errors": [{"message": "not a GraphQL Admin API path"}]})
                return
            try:
                payload = json.loads(raw)
            except ValueError:
                self._send(400, {"errors": [{"message": "body is not JSON"}]})
                return
            query = str(payload.get("query") or "") if isinstance(payload, dict) else ""
            variables = payload.get("variables") if isinstance(payload, dict) else None
            variables = variables if isinstance(variables, dict) else {}
            found = MUTATION_FIELD.search(query)
            mutation = found.group(1) if found else ""
            token = self.headers.get("X-Shopify-Access-Token") or ""
            recorder.add(Recorded(self.path, token, mutation, variables, query))
            self._send(200, answer(mutation, variables))

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return GraphQL


class AdminApi:
    """Serves until `close()`; `url` is what the app gets as SHOPIFY_ADMIN_API_URL."""

    def __init__(self, certificate: KeyPair) -> None:
        self.recorder = Recorder()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.recorder))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(str(certificate.cert), str(certificate.key))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
