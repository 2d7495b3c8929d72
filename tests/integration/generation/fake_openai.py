"""A fake OpenAI-compatible chat endpoint on loopback: it stands in for the model, nothing else."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# (request body) -> (HTTP status, response body)
Reply = Callable[[dict[str, Any]], tuple[int, Any]]


def files_reply(tree: Mapping[str, bytes], model: str = "fake-coder-1") -> Reply:
    """A completion whose content is the structured answer holding `tree`."""

    def reply(_: dict[str, Any]) -> tuple[int, Any]:
        content = json.dumps({"files": [{"path": p, "content": tree[p].decode()} for p in sorted(tree)]})
        return 200, completion(content, model)

    return reply


def completion(content: str, model: str = "fake-coder-1") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
    }


class FakeOpenAI:
    def __init__(self, replies: list[Reply]) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                fake.requests.append(body)
                fake.headers.append(dict(self.headers))
                fake.paths.append(self.path)
                status, answer = (
                    fake.replies.pop(0)(body) if fake.replies else (500, {"error": {"message": "no more answers"}})
                )
                data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        # One blocking accept at a time instead of serve_forever(): its shutdown() waits out a 0.5 s poll, which
        # every test using this fake paid. __exit__ wakes the accept with a connection of its own.
        while not self._stopping.is_set():
            self.server.handle_request()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        with socket.create_connection(self.server.server_address[:2]):
            pass
        self.thread.join()
        self.server.server_close()
