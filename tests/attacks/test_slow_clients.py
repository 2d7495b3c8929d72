"""A client that sends half a request, or drips it, cannot hold the local servers' threads: each connection gets
a fixed time to deliver a whole request, and meanwhile well-behaved clients are still answered."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from forge.isolation.runner import Limits
from forge.local.api_server import ApiServer
from forge.local.aws_emulator import AwsEmulator
from forge.local.http_server import LoopbackHandler, LoopbackHTTPServer
from forge.local.sigv4 import RunCredentials
from forge.local.tokens import LocalIssuer
from tests.waiting import HANG, wait_until

# Long enough that a loaded 2-core CI machine answers a normal request well inside it.
TIMEOUT = 2.0
HALF_REQUESTS = 20


def health(_event: dict, _context: object) -> dict:
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": '{"status": "ok"}'}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[str]:
    server = ApiServer(health, LocalIssuer(tmp_path / "auth"), 0, request_timeout=TIMEOUT)
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def emulator() -> Iterator[str]:
    limits = Limits(cpu_seconds=5, memory_mb=256, wall_seconds=5)
    server = AwsEmulator(lambda: None, 1, limits, RunCredentials(), (), request_timeout=TIMEOUT)  # type: ignore[arg-type]
    server.start()
    yield server.url
    server.stop()


def half_open(url: str, count: int) -> list[socket.socket]:
    host, port = url.removeprefix("http://").split(":")
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((host, int(port)))
        sock.sendall(b"POST /api/v1/forge/health HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n")
        sockets.append(sock)
    return sockets


def closed_by_server(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except TimeoutError:
        return False
    except OSError:
        return True


def drip(url: str, stop: threading.Event, cut: list[bool]) -> None:
    """Slowloris proper: one more header line every TIMEOUT/3, never the blank line that ends the headers."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(b"GET /api/v1/forge/health HTTP/1.1\r\nHost: x\r\n")
        while not stop.wait(TIMEOUT / 3):
            try:
                sock.sendall(b"X-Keep: alive\r\n")
            except OSError:
                cut.append(True)
                return
            sock.settimeout(0.01)
            try:
                if sock.recv(1) == b"":
                    cut.append(True)
                    return
            except TimeoutError:
                pass
            except OSError:
                cut.append(True)
                return


@pytest.mark.parametrize("server", ["api", "emulator"])
def test_half_requests_are_cut_after_the_timeout(server: str, request: pytest.FixtureRequest) -> None:
    """Half-sent requests are closed by the server after the timeout; a normal request is answered meanwhile."""
    url = request.getfixturevalue(server)
    requests.post(f"{url}/api/v1/forge/health", data=b"", timeout=5)  # warm: the first answer imports lazily
    stalled = half_open(url, HALF_REQUESTS)
    stop, cut = threading.Event(), []
    dripper = threading.Thread(target=drip, args=(url, stop, cut), daemon=True)
    dripper.start()
    try:
        started = time.monotonic()
        answer = requests.post(f"{url}/api/v1/forge/health", data=b"", timeout=5)
        assert answer.status_code in (200, 403), answer.text  # the emulator refuses it, but answers
        assert time.monotonic() - started < TIMEOUT, "a normal request waited behind the stalled ones"
        assert all(closed_by_server(s, within=TIMEOUT * 3) for s in stalled), "half requests still held open"
        dripper.join(TIMEOUT * 4)
        assert cut, "a client dripping header lines kept its connection past the timeout"
    finally:
        stop.set()
        for sock in stalled:
            sock.close()


class Ok(LoopbackHandler):
    # Released once per connection the server took (a thread of its own is reading it).
    taken = threading.Semaphore(0)

    def setup(self) -> None:
        super().setup()
        Ok.taken.release()

    def do_GET(self) -> None:
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_connections_beyond_the_cap_are_refused_not_served() -> None:
    """At most max_connections are served at once: the next is closed at once instead of taking a thread, and
    once the held ones go, the server answers again."""
    server = LoopbackHTTPServer(("127.0.0.1", 0), Ok, request_timeout=5, max_connections=3)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"

    def answer() -> int | None:
        try:
            return requests.get(url, timeout=5).status_code
        except requests.ConnectionError:  # still over the cap: closed at once
            return None

    try:
        stalled = half_open(url, 3)
        assert all(Ok.taken.acquire(timeout=HANG) for _ in stalled), "the server did not take the held connections"
        extra = half_open(url, 1)[0]
        assert closed_by_server(extra, within=1), "a connection over the cap was kept"
        for sock in stalled:
            sock.close()
        # The slots free up as the server's threads see the closed connections: ask until one answers.
        assert wait_until(answer, lambda status: status is not None, what="an answer once slots were freed") == 204
    finally:
        server.shutdown()
        server.server_close()
