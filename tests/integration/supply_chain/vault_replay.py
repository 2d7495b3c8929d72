"""A loopback HTTP server answering with recorded Vault Transit responses (recordings/vault_transit.json).

No Vault server can be installed here. The adapter talks real HTTP through hvac and requests to this server,
which checks the token and each request body against the recording: a request the recording does not hold
gets Vault's error shape and a 400, so the test fails if the adapter sends anything else.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RECORDING = Path(__file__).parent / "recordings" / "vault_transit.json"


class VaultReplay:
    def __init__(self, recording: Path = RECORDING) -> None:
        self.recording = json.loads(recording.read_text())
        self.token: str = self.recording["token"]
        self.rotated = False
        self.requests: list[tuple[str, str, Any]] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw.strip() else {}
                status, payload = replay.respond(method, self.path, self.headers.get("X-Vault-Token"), body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def do_PUT(self) -> None:
                self._answer("PUT")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def respond(self, method: str, path: str, token: str | None, body: Any) -> tuple[int, dict[str, Any]]:
        self.requests.append((method, path, body))
        if token != self.token:
            return 403, {"errors": ["permission denied"]}
        for item in self.recording["interactions"]:
            if item["method"] != method or item["path"] != path:
                continue
            if method == "GET" and bool(item.get("after_rotation")) != self.rotated:
                continue
            if method != "GET" and item.get("body", {}) != body:
                continue
            if path.endswith("/rotate"):
                self.rotated = True
            return item["status"], item["response"]
        return 400, {"errors": [f"no recorded response for {method} {path} {json.dumps(body, sort_keys=True)}"]}

    def __enter__(self) -> VaultReplay:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
