"""The loopback HTTP server both local ports use (the API and the AWS emulator): one thread per connection, but a
client gets REQUEST_TIMEOUT_SECONDS to deliver a whole request (line, headers and body), however it drips it, and
at most MAX_CONNECTIONS connections are served at once.

Without these, a client that connects and sends half a request (slowloris) holds a thread forever, and enough of
them exhaust the process.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from forge.observability import logger

REQUEST_TIMEOUT_SECONDS = 10.0
MAX_CONNECTIONS = 128


class LoopbackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # listen()'s backlog. socketserver's default of 5 refused connections in a burst (100 clients submitting at once
    # got "connection refused") before the accept loop could take them; as many as may be served at once.
    request_queue_size = MAX_CONNECTIONS

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[LoopbackHandler],
        request_timeout: float | None = None,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.request_timeout = request_timeout or REQUEST_TIMEOUT_SECONDS
        self._connections = threading.BoundedSemaphore(max_connections)
        self._deadlines: dict[socket.socket, float] = {}
        self._deadlines_lock = threading.Lock()
        self._closed = threading.Event()
        super().__init__(address, handler)
        self._watchdog = threading.Thread(target=self._cut_slow_requests, name="http-deadlines", daemon=True)
        self._watchdog.start()

    def process_request(self, request: Any, client_address: Any) -> None:
        # Answers are written as headers then body: without TCP_NODELAY, Nagle's algorithm holds the body back until
        # the client's delayed ACK (about 40 ms on loopback) whenever the two go out as separate segments.
        with contextlib.suppress(OSError):
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if not self._connections.acquire(blocking=False):
            logger.warning("loopback server full; connection refused", extra={"port": self.server_address[1]})
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._connections.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.request_read(request)
            self._connections.release()

    def server_close(self) -> None:
        self._closed.set()
        super().server_close()

    def reading_request(self, connection: socket.socket) -> None:
        """The connection now owes a whole request within the timeout (the wait for it included)."""
        with self._deadlines_lock:
            self._deadlines[connection] = time.monotonic() + self.request_timeout

    def request_read(self, connection: socket.socket) -> None:
        with self._deadlines_lock:
            self._deadlines.pop(connection, None)

    def _cut_slow_requests(self) -> None:
        interval = min(0.5, self.request_timeout / 4)
        while not self._closed.wait(interval):
            now = time.monotonic()
            with self._deadlines_lock:
                late = [conn for conn, deadline in self._deadlines.items() if deadline <= now]
                for conn in late:
                    del self._deadlines[conn]
            for conn in late:
                # The handler thread blocked in recv() sees the end of the stream and closes the connection.
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


class LoopbackHandler(BaseHTTPRequestHandler):
    """Base of both servers' handlers: HTTP/1.1, quiet, and `read_body` bounds what a request may send."""

    protocol_version = "HTTP/1.1"
    server: LoopbackHTTPServer

    def setup(self) -> None:
        super().setup()
        # A per-operation socket timeout as well: no single recv() or send() waits longer than the whole budget.
        self.connection.settimeout(self.server.request_timeout)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle_one_request(self) -> None:
        self.server.reading_request(self.connection)
        try:
            super().handle_one_request()
        finally:
            self.server.request_read(self.connection)

    def refuse(self, status: int, error: str, message: str) -> None:
        """Answer a request that cannot be served and close the connection (subclasses shape the body)."""
        raise NotImplementedError

    def read_body(self, limit: int) -> bytes | None:
        """The request body, read in full (then the request's time budget stops running: handling it may take
        long); None after refusing a malformed or oversized Content-Length."""
        raw_length = (self.headers.get("Content-Length") or "0").strip()
        if not raw_length.isdigit():
            self.close_connection = True
            self.refuse(400, "bad_request", f"Content-Length must be a number of bytes, not {raw_length[:40]!r}")
            return None
        length = int(raw_length)
        if length > limit:
            self.close_connection = True
            self.refuse(413, "too_large", f"request body exceeds {limit} bytes")
            return None
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            self.close_connection = True
            return None
        self.server.request_read(self.connection)
        return body
