"""The shared fake provider (provider/, PHP, run by `php -S` as the PHP platforms' sandboxes do) behind two
forwarding listeners the app is pointed at: one stands for the spec's live base URL (PROVIDER_BASE_URL), one for its
test base URL (PROVIDER_TEST_BASE_URL). Each names the URL the app would have reached in production in
X-Forge-Upstream, so the fake knows the server, hence the mode, and validates every request against the provider API
document. The stand-in drives the fake through its control API (/_forge/)."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .test_ca import KeyPair

KEYS = {"test": "mk_test_forgeShopifyStandin", "live": "mk_live_forgeShopifyStandin"}
WEBHOOK_SECRETS = {"test": "whsec_forge_shopify_test", "live": "whsec_forge_shopify_live"}
HOP_HEADERS = frozenset({"host", "connection", "content-length", "transfer-encoding", "x-forge-upstream"})


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, seconds: float, process: subprocess.Popen[bytes] | None = None) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        with socket.socket() as probe:
            probe.settimeout(0.2)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


class FakeProvider:
    """`php -S` serving provider/router.php; `control()` calls its /_forge/ API."""

    def __init__(self, folder: Path, workdir: Path, test_url: str, live_url: str) -> None:
        contract = json.loads((folder / "provider-api.json").read_text("utf-8"))
        contract["servers"] = {"live": _server(live_url), "test": _server(test_url)}
        (workdir / "provider-api.json").write_text(json.dumps(contract), "utf-8")
        (workdir / "provider-config.json").write_text(json.dumps({"keys": KEYS, "webhook_secrets": WEBHOOK_SECRETS}))
        (workdir / "provider-state.json").write_text("")
        self.port = free_port()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "FORGE_PROVIDER_CONTRACT": str(workdir / "provider-api.json"),
            "FORGE_PROVIDER_STATE": str(workdir / "provider-state.json"),
            "FORGE_PROVIDER_CONFIG": str(workdir / "provider-config.json"),
            "PHP_CLI_SERVER_WORKERS": "2",
        }
        self.log = (workdir / "provider.log").open("wb")
        # php -S writes its access log to stderr: into the run's log file, never the stand-in's stderr.
        self.process = subprocess.Popen(  # noqa: S603 - the sandbox's own php with a fixed router
            ["php", "-S", f"127.0.0.1:{self.port}", str(folder / "router.php")],  # noqa: S607
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        if not wait_for_port(self.port, 10, self.process):
            raise RuntimeError("the fake provider (php -S) did not start")
        self.url = f"http://127.0.0.1:{self.port}"

    def control(self, method: str, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body or {}).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback http, the fake's own control API
            f"{self.url}/_forge/{action}", data=data if method != "GET" else None, method=method
        )
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            loaded = json.loads(answer.read())
        return loaded if isinstance(loaded, dict) else {}

    def state(self) -> dict[str, Any]:
        return self.control("GET", "state")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _server(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    return {"url": url, "host": parts.hostname or "", "base_path": parts.path.rstrip("/")}


def _forwarding_handler(fake_url: str, upstream_origin: str) -> type[BaseHTTPRequestHandler]:
    class Forward(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            request = urllib.request.Request(  # noqa: S310 - loopback http to the fake provider
                fake_url + self.path, data=body, method=self.command
            )
            for name, value in self.headers.items():
                if name.lower() not in HOP_HEADERS:
                    request.add_header(name, value)
            request.add_header("X-Forge-Upstream", upstream_origin + self.path)
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                    status, data, kind = answer.status, answer.read(), answer.headers.get("Content-Type", "")
            except urllib.error.HTTPError as refused:
                status, data, kind = refused.code, refused.read(), refused.headers.get("Content-Type", "")
            self.send_response(status)
            self.send_header("Content-Type", kind or "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Forward


class Forwarder:
    """Where the app reaches the provider at `upstream_url` (the spec's live or test base URL), over HTTPS as in
    production: `base_url` is the app's base URL for that mode, the certificate one of the run's servers CA (the
    app's PROVIDER_CA_FILE)."""

    def __init__(self, fake: FakeProvider, upstream_url: str, certificate: KeyPair) -> None:
        parts = urlsplit(upstream_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _forwarding_handler(fake.url, origin))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(str(certificate.cert), str(certificate.key))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.base_url = f"https://127.0.0.1:{self.server.server_address[1]}{parts.path.rstrip('/')}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Trap:
    """A listener on a loopback address outside ALLOWED_HOSTS: any connection the app makes to it is counted, and
    nothing is answered. An app that enforces its allowlist never connects."""

    def __init__(self, host: str = "127.0.0.2") -> None:
        self.host = host
        self.socket = socket.socket()
        self.socket.bind((host, 0))
        self.socket.listen(8)
        self.socket.settimeout(0.2)
        self.port = int(self.socket.getsockname()[1])
        self.connections = 0
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.stopped.set()
        self.socket.close()
