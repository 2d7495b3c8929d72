"""Guarantee: a rejection is final for that package. No retry, re-attachment or later approval can publish it: retry
answers 409 and points at a new job (a new version), and the approvals given before the rejection never count."""

from __future__ import annotations

from uuid import UUID

import pytest

from forge.pipeline.outcome import record_failure
from tests.integration.api.conftest import WorkflowSpy, api_deps, call, code, enroll, signed_package_awaiting


def decide(request_id: UUID, user: str, seed: str, verdict: str, comment: str = "ok") -> tuple[int, dict]:
    return call("POST", f"/approvals/{request_id}/{verdict}", {"mfa_code": code(seed), "comment": comment}, user=user)


def test_a_retry_after_a_rejection_is_refused_and_cannot_publish(api: WorkflowSpy) -> None:
    deps = api_deps()
    request_id = signed_package_awaiting(deps, requested_by="erin")
    request = deps.repos.approvals.get_request(request_id)
    assert request.job_id is not None
    alice, bob, carol = enroll("alice"), enroll("bob"), enroll("carol")
    assert decide(request_id, "alice", alice, "approve")[0] == 200
    status, body = decide(request_id, "bob", bob, "reject", "the webhook secret is logged")
    assert status == 200
    assert body["request"]["status"] == "rejected"
    assert [f[1] for f in api.failures] == ["ApprovalRejected"]
    # What the workflow does with the failed approval task: RecordFailure.
    record_failure(deps, request.job_id, {"Error": "ApprovalRejected", "Cause": "rejected by bob"})

    status, body = call("POST", f"/jobs/{request.job_id}/retry", user="mallory")
    assert status == 409, body
    assert "rejected by bob" in body["message"]
    assert "new job" in body["message"]
    assert api.started == [], "no execution may start for a rejected package"
    package = deps.repos.packages.get(request.plugin_package_id)
    assert package.status == "rejected"
    # Nor can anyone open a new approval request on it and collect approvals.
    status, body = call("POST", "/approvals", {"package_id": str(package.id)}, user="mallory")
    assert status == 409
    assert "rejected" in body["message"]
    assert api.successes == []
    del carol


def test_a_wait_reaching_a_rejected_package_fails_instead_of_waiting(api: WorkflowSpy) -> None:
    """A re-delivered or re-attached approval task after the rejection: the step fails, nothing waits on it."""
    from forge.errors import StepFailed
    from forge.models.job import Step, StepEvent
    from forge.pipeline.bookkeeping import run_step
    from forge.pipeline.steps.approval import request_approval

    deps = api_deps()
    request_id = signed_package_awaiting(deps, requested_by="erin")
    request = deps.repos.approvals.get_request(request_id)
    bob = enroll("bob")
    assert decide(request_id, "bob", bob, "reject", "no")[0] == 200
    with pytest.raises(StepFailed) as refused:  # else the approval wait opened again on a rejected package
        run_step(
            deps,
            Step.APPROVAL,
            StepEvent(job_id=request.job_id, delivery="re-attached"),
            lambda ctx: request_approval(ctx, "task-token-2"),
        )
    assert "rejected" in str(refused.value)
    assert "final" in str(refused.value)
    pending = [r for r in deps.repos.approvals.requests_for_job(request.job_id) if r.status == "pending"]
    assert pending == []
