"""The API handler against a real Postgres and SoftHSM, fed API Gateway proxy events.

The workflow port is a spy: these tests count what the API sends to Step Functions (exactly one
task success), which the real engine cannot report. tests/e2e covers the real engine end to end.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from forge.api.app import handler
from forge.auth import mfa, totp
from forge.auth.secret_box import secret_box
from forge.local.api_server import proxy_event
from forge.local.aws_emulator import LambdaContext
from forge.models.spec import load_spec
from forge.pipeline.deps import PipelineDeps
from forge.wiring import default_deps

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "woocommerce.yaml"
CONTEXT = LambdaContext("forge-api", "arn:aws:lambda:us-east-1:123456789012:function:forge-api")
GROUPS = {"ops": "plugin_forge_ops", "admin": "pay_admin,plugin_forge_ops"}


@dataclass
class WorkflowSpy:
    started: list[str] = field(default_factory=list)
    successes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, name: str, payload: dict[str, Any]) -> str:
        with self.lock:
            self.started.append(name)
        return f"arn:aws:states:us-east-1:123456789012:execution:plugin-forge:{name}"

    def stop(self, execution_arn: str, cause: str) -> None:
        pass

    def status(self, execution_arn: str) -> str | None:
        return "RUNNING"

    def send_success(self, task_token: str, output: dict[str, Any]) -> None:
        with self.lock:
            self.successes.append((task_token, output))

    def send_failure(self, task_token: str, error: str, cause: str) -> None:
        with self.lock:
            self.failures.append((task_token, error, cause))

    def send_heartbeat(self, task_token: str) -> None:
        pass

    def stop_task(self, cluster: str, task_arn: str, reason: str) -> None:
        pass


def call(
    method: str,
    path: str,
    body: Any = None,
    user: str | None = "carol",
    role: str = "ops",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict]:
    raw = json.dumps(body).encode() if body is not None else b""
    all_headers = {"Content-Type": "application/json"} if raw else {}
    all_headers.update(headers or {})
    claims = {"cognito:username": user, "cognito:groups": GROUPS[role]} if user else None
    response = handler(proxy_event(method, f"/api/v1/forge{path}", all_headers, raw, claims), CONTEXT)
    return response["statusCode"], json.loads(response["body"])


def api_deps() -> PipelineDeps:
    """The deps the API routes are handed in this test: the `api` fixture's (with its WorkflowSpy), through
    Powertools' dependency_overrides; the composition root's when nothing overrides them."""
    from forge.api.app import app
    from forge.api.dependencies import pipeline_deps

    return app.dependency_overrides.get(pipeline_deps, default_deps)()


def enroll(name: str) -> str:
    """Enrol through the domain and return the seed (what the approver's app would hold)."""
    deps = api_deps()
    return mfa.enroll(deps.repos.approvers, secret_box(deps.settings), name, "admin").seed


def code(seed: str, offset: int = 0) -> str:
    return totp.code_at_step(seed, totp.current_step() + offset)


def signed_package_awaiting(deps: PipelineDeps, requested_by: str = "erin", token: str = "task-token-1") -> UUID:
    """A job whose signed package waits at the approval state; returns the approval request id."""
    spec = load_spec(EXAMPLE)
    job, _ = deps.repos.jobs.create(spec, requested_by, None)
    assert job.plugin_package_id is not None
    key, _signer = deps.signer()
    deps.repos.packages.set_built(job.plugin_package_id, "ab" * 32, "file:///tmp/x.zip")
    deps.repos.packages.set_signed(job.plugin_package_id, {"zip_sha256": "ab" * 32}, "c2ln", key.key_id)
    request = deps.repos.approvals.open_request(job.plugin_package_id, job.id, requested_by, 2, token, 3600)
    deps.repos.packages.set_status(job.plugin_package_id, "awaiting_approval")
    return request.id
