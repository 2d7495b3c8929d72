"""Guarantee: an approval is never recorded without its workflow being released. The decision and the callback that
tells Step Functions commit together; a callback Step Functions did not take is retried (sweeper, with backoff) until
it is acknowledged, exactly once even with concurrent sweepers; a token nobody waits on any more is set aside."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from forge.errors import Conflict, TransientError
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.workflow_callbacks import sweep
from tests.integration.api.conftest import WorkflowSpy, api_deps, call, code, enroll, signed_package_awaiting


class FlakyWorkflow(WorkflowSpy):
    """Step Functions that refuses task callbacks until `healthy` is set."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error
        self.healthy = threading.Event()
        self.refused = 0

    def send_success(self, task_token: str, output: dict[str, Any]) -> None:
        if not self.healthy.is_set():
            self.refused += 1
            raise self.error
        super().send_success(task_token, output)

    def send_failure(self, task_token: str, error: str, cause: str) -> None:
        if not self.healthy.is_set():
            self.refused += 1
            raise self.error
        super().send_failure(task_token, error, cause)


def approve(request_id: object, user: str, seed: str) -> tuple[int, dict]:
    return call("POST", f"/approvals/{request_id}/approve", {"mfa_code": code(seed)}, user=user)


def due_now() -> None:
    """Skip the backoff: the test is about what gets delivered, not about waiting."""
    api_deps().repos.callbacks.db.execute("UPDATE workflow_callbacks SET next_attempt_at = now()")


ServeApi = Callable[[PipelineDeps], PipelineDeps]


def test_an_approval_whose_release_fails_is_retried_until_the_workflow_is_released(serve_api: ServeApi) -> None:
    flaky = FlakyWorkflow(TransientError("Step Functions busy while releasing the task: ThrottlingException"))
    deps = serve_api(replace(api_deps(), workflow=flaky))
    request_id = signed_package_awaiting(deps)
    alice, bob = enroll("alice"), enroll("bob")
    assert approve(request_id, "alice", alice)[0] == 200
    status, body = approve(request_id, "bob", bob)
    # The decision stands and says so; the release is queued, not lost.
    assert status == 200, body
    assert body["released"] is True
    assert body["request"]["status"] == "approved"
    assert flaky.refused == 1
    assert flaky.successes == []
    # Re-approving cannot help (and is refused): only the outbox can release the workflow.
    assert approve(request_id, "carol", enroll("carol"))[0] == 409

    due_now()
    assert sweep(deps).retrying == 1  # still down: backed off, kept
    flaky.healthy.set()
    due_now()
    # Two sweepers at once (two runtimes, or a slow Lambda overlapping the next minute): delivered exactly once.
    results = []
    threads = [threading.Thread(target=lambda: results.append(sweep(deps))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.delivered for r in results) == 1
    assert [t for t, _ in flaky.successes] == ["task-token-1"]
    assert sorted(flaky.successes[0][1]["approved_by"]) == ["alice", "bob"]
    due_now()
    assert sweep(deps).delivered == 0
    assert len(flaky.successes) == 1


def test_a_rejection_whose_release_fails_is_retried_too(serve_api: ServeApi) -> None:
    flaky = FlakyWorkflow(TransientError("Step Functions unreachable"))
    deps = serve_api(replace(api_deps(), workflow=flaky))
    request_id = signed_package_awaiting(deps)
    bob = enroll("bob")
    status, body = call("POST", f"/approvals/{request_id}/reject", {"mfa_code": code(bob), "comment": "no"}, user="bob")
    assert status == 200
    assert body["request"]["status"] == "rejected"
    flaky.healthy.set()
    due_now()
    assert sweep(deps).delivered == 1
    assert [(t, e) for t, e, _ in flaky.failures] == [("task-token-1", "ApprovalRejected")]


def test_a_token_nobody_waits_on_is_set_aside_not_retried_forever(serve_api: ServeApi) -> None:
    gone = FlakyWorkflow(Conflict("the workflow is no longer waiting (TaskTimedOut) while releasing the task"))
    deps = serve_api(replace(api_deps(), workflow=gone))
    request_id = signed_package_awaiting(deps)
    alice, bob = enroll("alice"), enroll("bob")
    approve(request_id, "alice", alice)
    assert approve(request_id, "bob", bob)[0] == 200
    callback = deps.repos.callbacks.for_request(request_id)
    assert callback is not None
    assert callback.abandoned_at is not None
    assert "TaskTimedOut" in str(callback.abandoned_reason)
    due_now()
    assert sweep(deps) == sweep(deps)  # nothing due, twice
    assert deps.repos.callbacks.undelivered() == 0
