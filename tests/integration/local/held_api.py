"""The real API handler behind the local server (`forge up`'s adapter, its tokens), on the test's database, with
`GET /jobs` held inside the route until the test releases it: a request still being served while others arrive."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import requests

from forge.api.app import concurrent_handler
from forge.local.api_server import ApiServer
from forge.local.aws_emulator import LambdaContext
from forge.local.tokens import LocalIssuer
from forge.pipeline.deps import PipelineDeps
from forge.wiring import default_deps
from tests.waiting import HANG

CONTEXT = LambdaContext("forge-api", "arn:aws:lambda:us-east-1:123456789012:function:forge-api")
PREFIX = "/api/v1/forge"


@dataclass
class Hold:
    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


class HeldJobs:
    """The real jobs repository; its page() (GET /jobs) waits for the hold's release."""

    def __init__(self, jobs: Any, hold: Hold) -> None:
        self._jobs = jobs
        self._hold = hold

    def page(self, **query: Any) -> Any:
        self._hold.entered.set()
        if not self._hold.release.wait(HANG):
            raise TimeoutError("the held request was never released")
        return self._jobs.page(**query)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._jobs, name)


class HeldRepos:
    def __init__(self, repos: Any, hold: Hold) -> None:
        self._repos = repos
        self.jobs = HeldJobs(repos.jobs, hold)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._repos, name)


@dataclass
class HeldApi:
    url: str
    issuer: LocalIssuer
    hold: Hold

    def get(self, path: str, user: str, role: str, timeout: float) -> requests.Response:
        token = self.issuer.mint(user, role)
        return requests.get(f"{self.url}{PREFIX}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=timeout)

    def in_background(self, path: str, user: str, role: str) -> Callable[[], requests.Response]:
        """Send a request from another thread; returns what waits for its answer."""
        answer: list[requests.Response] = []
        thread = threading.Thread(target=lambda: answer.append(self.get(path, user, role, HANG)), daemon=True)
        thread.start()

        def wait() -> requests.Response:
            thread.join(HANG)
            assert answer, "the request in the background got no answer"
            return answer[0]

        return wait


@contextmanager
def held_api(serve_api: Callable[[PipelineDeps], PipelineDeps], auth_dir: Path) -> Iterator[HeldApi]:
    hold = Hold()
    deps = default_deps()
    serve_api(replace(deps, repos=HeldRepos(deps.repos, hold)))  # type: ignore[arg-type]
    issuer = LocalIssuer(auth_dir)
    server = ApiServer(lambda event, _ctx: concurrent_handler(event, CONTEXT), issuer, 0)  # type: ignore[arg-type]
    server.start()
    try:
        yield HeldApi(server.url, issuer, hold)
    finally:
        hold.release.set()
        server.stop()
