"""How Shopify and the provider reach the app: HTTPS to 127.0.0.1 verified against the run's servers CA, with
Shopify's client certificate, an impostor's, or none; and the signatures Shopify and the provider put on webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import ssl
from dataclasses import dataclass
from typing import Any

from .test_ca import KeyPair


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    # Set when TLS refused the connection (handshake or the alert TLS 1.3 sends after it).
    refused: str = ""
    # Set when nothing answered at all (the app is not listening): never a refusal.
    unreachable: str = ""

    def json(self) -> dict[str, Any]:
        try:
            loaded = json.loads(self.body)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def describe(self) -> str:
        if self.unreachable:
            return f"unreachable: {self.unreachable}"
        return f"TLS refused: {self.refused}" if self.refused else f"HTTP {self.status} {self.body[:300]!r}"


class AppClient:
    def __init__(self, port: int, servers_ca: str) -> None:
        self.port = port
        self.servers_ca = servers_ca

    def _context(self, client: KeyPair | None) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.servers_ca)
        if client is not None:
            context.load_cert_chain(str(client.cert), str(client.key))
        return context

    def post(self, path: str, body: bytes, headers: dict[str, str], client: KeyPair | None) -> Answer:
        return self.request("POST", path, body, {"Content-Type": "application/json", **headers}, client)

    def get(self, path: str) -> Answer:
        """As the buyer's browser: no client certificate."""
        return self.request("GET", path, None, {}, None)

    def request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str], client: KeyPair | None
    ) -> Answer:
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=self._context(client), timeout=15)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            return Answer(answer.status, answer.read())
        except ConnectionRefusedError as down:
            return Answer(0, b"", unreachable=str(down))
        except (ssl.SSLError, ConnectionError) as refused:
            return Answer(0, b"", refused=f"{type(refused).__name__}: {refused}")
        finally:
            connection.close()


def shopify_hmac(secret: str, body: bytes) -> str:
    """X-Shopify-Hmac-Sha256: base64 of HMAC-SHA256 over the raw body with the app's API secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
