"""The loopback servers answer without the 40 ms stall of Nagle's algorithm meeting a delayed ACK, and take a burst
of connections without refusing any (forge.local.http_server: TCP_NODELAY, listen backlog)."""

from __future__ import annotations

import http.client
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from forge.local.http_server import LoopbackHandler, LoopbackHTTPServer

REQUESTS = 30
BURST = 100


class TwoWrites(LoopbackHandler):
    """Headers and body in separate writes, as BaseHTTPRequestHandler answers (end_headers flushes)."""

    def do_GET(self) -> None:
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def refuse(self, status: int, error: str, message: str) -> None:
        self.send_error(status, message)


@pytest.fixture
def server() -> Iterator[LoopbackHTTPServer]:
    srv = LoopbackHTTPServer(("127.0.0.1", 0), TwoWrites)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_keep_alive_requests_are_answered_without_a_delayed_ack_stall(server: LoopbackHTTPServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        conn.request("GET", "/")
        response = conn.getresponse()
        assert response.read() == b'{"ok": true}'
        timings.append((time.perf_counter() - started) * 1000)
    conn.close()
    # With Nagle on, every answer after the first waits for the client's delayed ACK: about 40 ms each.
    assert statistics.median(timings) < 20, f"median {statistics.median(timings):.1f} ms: {timings}"


def test_a_burst_of_connections_is_accepted(server: LoopbackHTTPServer) -> None:
    barrier = threading.Barrier(BURST)

    def connect(_i: int) -> int:
        barrier.wait()
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return len(sock.recv(4096))

    with ThreadPoolExecutor(BURST) as pool:
        answers = list(pool.map(connect, range(BURST)))
    assert all(answers), "a connection was refused or got no answer"
