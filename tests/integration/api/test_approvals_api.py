"""Approvals through the API: TOTP MFA, requester and double-vote refusals, rejection, a threshold that
releases the workflow exactly once under concurrent approvals, and signed, verifiable approval rows."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

from forge.auth import mfa
from forge.auth.secret_box import secret_box
from forge.errors import Conflict
from forge.pipeline.approval_verification import verify_approval
from forge.pipeline.approvals import decide
from tests.integration.api.conftest import WorkflowSpy, api_deps, call, code, enroll, signed_package_awaiting


def approve(request_id: object, user: str, mfa_code: str, comment: str | None = None) -> tuple[int, dict]:
    return call("POST", f"/approvals/{request_id}/approve", {"mfa_code": mfa_code, "comment": comment}, user=user)


def test_threshold_of_two_releases_once_and_rows_are_signed(api: WorkflowSpy) -> None:
    deps = api_deps()
    request_id = signed_package_awaiting(deps)
    alice, bob = enroll("alice"), enroll("bob")

    status, first = approve(request_id, "alice", code(alice), "looks right")
    assert status == 200
    assert first["released"] is False
    assert first["request"]["status"] == "pending"
    assert first["approval"]["mfa_verified"] is True
    assert first["approval"]["approver_role"] == "plugin_forge_ops"
    status, twice = approve(request_id, "alice", code(alice, 1))
    assert status == 409
    assert "already decided" in twice["message"]
    status, second = approve(request_id, "bob", code(bob))
    assert status == 200
    assert second["released"] is True
    assert second["request"]["status"] == "approved"
    assert [t for t, _ in api.successes] == ["task-token-1"]
    assert api.failures == []
    assert sorted(api.successes[0][1]["approved_by"]) == ["alice", "bob"]

    package_id = deps.repos.approvals.get_request(request_id).plugin_package_id
    package = deps.repos.packages.get(package_id)
    assert package.status == "approved"
    key = deps.repos.keys.active()
    assert key is not None
    rows = deps.repos.approvals.approvals_for_package(package_id)
    assert [r.signing_key_id for r in rows] == [key.key_id, key.key_id]
    assert all(verify_approval(r, package, key.public_pem) for r in rows)
    # Tamper-evident: flipping the decision, the approver or the package digest breaks the signature.
    assert not verify_approval(rows[0].model_copy(update={"approved": False}), package, key.public_pem)
    assert not verify_approval(rows[0].model_copy(update={"approver_id": "mallory"}), package, key.public_pem)
    assert not verify_approval(rows[0], package.model_copy(update={"zip_sha256": "cd" * 32}), key.public_pem)


def test_mfa_is_required_valid_and_single_use(api: WorkflowSpy) -> None:
    request_id = signed_package_awaiting(api_deps())
    alice = enroll("alice")
    status, body = call("POST", f"/approvals/{request_id}/approve", {"comment": "no code"}, user="alice")
    assert status == 422
    assert any("mfa_code" in p for p in body["problems"])
    status, body = approve(request_id, "alice", "000000" if code(alice) != "000000" else "111111")
    assert status == 403
    assert "not valid" in body["message"]
    status, body = approve(request_id, "dave", "123456")
    assert status == 403
    assert "no MFA enrolled" in body["message"]
    assert approve(request_id, "alice", code(alice))[0] == 200

    # The same code again, for another package: refused as a replay (RFC 6238 5.2).
    other = signed_package_awaiting(api_deps(), token="task-token-2")
    used = api_deps().repos.approvers.get("alice")
    assert used is not None
    status, body = approve(other, "alice", code(alice, used.last_used_step - code_step_now()))
    assert status == 403
    assert "already used" in body["message"]
    assert approve(other, "alice", code(alice, used.last_used_step - code_step_now() + 1))[0] == 200


def code_step_now() -> int:
    from forge.auth.totp import current_step

    return current_step()


def test_the_requester_cannot_approve_their_own_job(api: WorkflowSpy) -> None:
    request_id = signed_package_awaiting(api_deps(), requested_by="erin")
    erin = enroll("erin")
    status, body = approve(request_id, "erin", code(erin))
    assert status == 403
    assert "cannot approve" in body["message"]
    # The code was not spent on a refused request.
    assert api_deps().repos.approvers.get("erin").last_used_step == 0  # type: ignore[union-attr]


def test_a_rejection_fails_the_task_token_with_the_reason(api: WorkflowSpy) -> None:
    request_id = signed_package_awaiting(api_deps())
    alice = enroll("alice")
    status, body = call(
        "POST", f"/approvals/{request_id}/reject", {"mfa_code": code(alice), "comment": "wrong brand colours"}, "alice"
    )
    assert status == 200
    assert body["released"] is True
    assert body["request"]["status"] == "rejected"
    assert api.failures == [("task-token-1", "ApprovalRejected", "rejected by alice: wrong brand colours")]
    assert api.successes == []
    bob = enroll("bob")
    status, body = approve(request_id, "bob", code(bob))
    assert status == 409
    assert "rejected" in body["message"]


def test_concurrent_approvals_release_the_workflow_exactly_once(api: WorkflowSpy) -> None:
    """Each thread is what one Lambda container does for one request (the resolver itself is serialised
    per container): the decisions race in Postgres, and the threshold's UPDATE lets one of them win."""
    names = [f"approver{i}" for i in range(8)]
    seeds = {n: enroll(n) for n in names}
    deps = api_deps()

    def verify_code(approver: str, mfa_code: str) -> None:
        mfa.verify(deps.repos.approvers, secret_box(deps.settings), approver, mfa_code)

    for round_ in range(3):
        request_id = signed_package_awaiting(deps, token=f"token-{round_}")
        barrier = threading.Barrier(len(names))

        def one(name: str, rid: UUID = request_id, r: int = round_, gate: threading.Barrier = barrier) -> str:
            gate.wait()
            try:
                # Steps now-1, now, now+1 across the rounds: each code used once.
                result = decide(deps, rid, name, "plugin_forge_ops", True, None, code(seeds[name], r - 1), verify_code)
            except Conflict:
                return "conflict"
            return "released" if result.released else "counted"

        with ThreadPoolExecutor(len(names)) as pool:
            outcomes = list(pool.map(one, names))
        assert outcomes.count("released") == 1, outcomes
        assert set(outcomes) <= {"released", "counted", "conflict"}
        assert [t for t, _ in api.successes].count(f"token-{round_}") == 1
        assert deps.repos.approvals.get_request(request_id).status == "approved"
    assert len(api.successes) == 3


def test_post_approvals_opens_a_request_once_and_refuses_unsigned_packages(api: WorkflowSpy) -> None:
    deps = api_deps()
    request_id = signed_package_awaiting(deps)
    package_id = deps.repos.approvals.get_request(request_id).plugin_package_id
    status, body = call("POST", "/approvals", {"package_id": str(package_id)})
    assert status == 200
    assert body["created"] is False
    assert body["request"]["id"] == str(request_id)

    from forge.models.spec import load_spec
    from tests.integration.api.conftest import EXAMPLE

    job, _ = deps.repos.jobs.create(load_spec(EXAMPLE), "erin", None)
    status, body = call("POST", "/approvals", {"package_id": str(job.plugin_package_id)})
    assert status == 409
    assert "building" in body["message"]
    key, _ = deps.signer()
    deps.repos.packages.set_signed(job.plugin_package_id, {}, "c2ln", key.key_id)  # type: ignore[arg-type]
    status, body = call("POST", "/approvals", {"package_id": str(job.plugin_package_id)}, user="frank")
    assert status == 201
    assert body["created"] is True
    assert body["request"]["requested_by"] == "frank"
    # A request without a workflow behind it is decided without any task token.
    seeds = {n: enroll(n) for n in ("alice", "bob")}
    for name in ("alice", "bob"):
        status, result = approve(body["request"]["id"], name, code(seeds[name]))
        assert status == 200
    assert result["released"] is True
    assert api.successes == []
    assert deps.repos.packages.get(job.plugin_package_id).status == "approved"  # type: ignore[arg-type]
    assert call("POST", "/approvals", {"package_id": "00000000-0000-4000-8000-000000000000"})[0] == 404


def test_enrolment_is_admin_only_and_once(api: WorkflowSpy) -> None:
    status, body = call("POST", "/approvers", {"name": "alice"}, role="ops")
    assert status == 403
    status, body = call("POST", "/approvers", {"name": "alice"}, role="admin")
    assert status == 201
    assert body["otpauth_uri"].startswith("otpauth://totp/Plugin%20Forge:alice?secret=")
    assert call("POST", "/approvers", {"name": "alice"}, role="admin")[0] == 409
    status, again = call("POST", "/approvers", {"name": "alice", "replace": True}, role="admin")
    assert status == 201
    assert again["secret"] != body["secret"]
    row = api_deps().repos.jobs.db.fetchone(
        "SELECT encrypted_value FROM forge_secrets WHERE name = 'mfa_seed/alice' AND secret_type = 'mfa_seed'"
    )
    assert row is not None
    assert again["secret"].encode() not in bytes(row["encrypted_value"])
    assert call("POST", "/approvers", {"name": "bad name!"}, role="admin")[0] == 422
