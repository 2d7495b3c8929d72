"""Approvers' lifecycle through the API: the failure window, a verified code clearing failures, the metrics a
lock emits, admin listing/unlock/deactivate and their errors, re-enrolment as a fresh start."""

from __future__ import annotations

import os
from typing import Any

import pytest

from forge.auth import mfa
from forge.auth.secret_box import SecretBox, SecretBoxError, secret_box
from forge.errors import Forbidden
from tests.integration.api.conftest import WorkflowSpy, api_deps, call, code, enroll, signed_package_awaiting

LIMIT = mfa.LOCKOUT.max_failures


def fail(name: str, seed: str, times: int) -> list[str]:
    """`times` wrong codes for `name`; the refusals' messages."""
    deps = api_deps()
    valid = {code(seed, offset) for offset in range(-2, 3)}
    wrong = [c for c in (f"{n:06d}" for n in range(200_000, 200_100)) if c not in valid][:times]
    messages = []
    for guess in wrong:
        with pytest.raises(Forbidden) as refused:
            mfa.verify(deps.repos.approvers, secret_box(deps.settings), name, guess, source_ip="198.51.100.9")
        messages.append(str(refused.value))
    return messages


def standing(name: str) -> dict[str, Any]:
    status, body = call("GET", "/approvers", user="root", role="admin")
    assert status == 200
    return {a["name"]: a for a in body["approvers"]}[name]


def age_failures(name: str, minutes: int) -> None:
    api_deps().repos.jobs.db.execute(
        "UPDATE approvers SET failure_window_started_at = failure_window_started_at - make_interval(mins => %s) "
        "WHERE name = %s",
        (minutes, name),
    )


def test_failures_count_within_the_window_only(api: WorkflowSpy) -> None:
    alice = enroll("alice")
    messages = fail("alice", alice, LIMIT - 1)
    assert messages[0] == f"the MFA code is not valid ({LIMIT - 1} more failed codes and an admin must unlock alice)"
    assert messages[-1].endswith("(1 more failed code and an admin must unlock alice)")
    assert standing("alice")["failed_attempts"] == LIMIT - 1
    age_failures("alice", 16)  # the 15-minute window is over: those failures no longer count
    assert standing("alice")["failed_attempts"] == 0
    fail("alice", alice, LIMIT - 1)
    assert standing("alice")["locked"] is False
    assert "alice is locked" in fail("alice", alice, 1)[0]
    assert standing("alice")["locked"] is True
    assert standing("alice")["failed_attempts"] == LIMIT


def test_a_verified_code_clears_the_failures(api: WorkflowSpy) -> None:
    deps = api_deps()
    alice = enroll("alice")
    fail("alice", alice, LIMIT - 1)
    mfa.verify(deps.repos.approvers, secret_box(deps.settings), "alice", code(alice))
    assert standing("alice")["failed_attempts"] == 0
    fail("alice", alice, LIMIT - 1)
    assert standing("alice")["locked"] is False


def test_failures_and_the_lock_are_counted_in_metrics_and_audited(
    api: WorkflowSpy, monkeypatch: pytest.MonkeyPatch
) -> None:
    emitted: list[str] = []
    monkeypatch.setattr(mfa, "emit_metric", lambda name, value, *args, **dims: emitted.append(name))
    alice = enroll("alice")
    fail("alice", alice, LIMIT + 3)  # the last three are refused as locked without being checked
    assert emitted.count("forge_mfa_failures_total") == LIMIT
    assert emitted.count("forge_mfa_lockouts_total") == 1

    status, body = call("GET", "/approvers/alice/events?limit=2", user="root", role="admin")
    assert status == 200
    locked, failed = body["events"]
    assert locked["event"] == "locked"
    assert locked["reason"] == f"{LIMIT} failed MFA codes within 15 min"
    assert failed["event"] == "mfa_failed"
    assert failed["actor"] == "alice"
    assert failed["details"] == {"attempt": LIMIT, "source_ip": "198.51.100.9"}
    assert failed["reason"] == "the MFA code is not valid"


def test_the_api_records_the_callers_address_with_a_failed_code(api: WorkflowSpy) -> None:
    request_id = signed_package_awaiting(api_deps())
    enroll("alice")
    status, _ = call("POST", f"/approvals/{request_id}/approve", {"mfa_code": "000000"}, user="alice")
    assert status == 403
    (failed,) = [e for e in api_deps().repos.approvers.events("alice") if e.event == "mfa_failed"]
    assert failed.details["source_ip"] == "127.0.0.1"  # what proxy_event puts where API Gateway puts the client


def test_the_admin_endpoints_are_admin_only_and_answer_clearly(api: WorkflowSpy) -> None:
    enroll("alice")
    for method, path, body in (
        ("GET", "/approvers", None),
        ("GET", "/approvers/alice/events", None),
        ("POST", "/approvers/alice/unlock", {"reason": "x"}),
        ("POST", "/approvers/alice/deactivate", {"reason": "x"}),
    ):
        status, answer = call(method, path, body, user="bob", role="ops")
        assert status == 403, (path, answer)
        assert "pay_admin" in answer["message"], (path, answer)

    status, body = call("POST", "/approvers/alice/unlock", {"reason": "just in case"}, "root", "admin")
    assert status == 409
    assert body["message"] == "alice is not locked"
    for path in ("/approvers/nobody/unlock", "/approvers/nobody/deactivate"):
        status, body = call("POST", path, {"reason": "x"}, "root", "admin")
        assert status == 404
        assert "no approver named nobody" in body["message"]
    assert call("GET", "/approvers/nobody/events", user="root", role="admin")[0] == 404
    for bad in ({}, {"reason": "   "}, {"reason": "two\nlines"}, {"reason": "\x1b[31mred"}, {"reason": "x" * 501}):
        status, body = call("POST", "/approvers/alice/deactivate", bad, "root", "admin")
        assert status == 422, (bad, body)
        assert any("reason" in p for p in body["problems"]), (bad, body)
    assert call("GET", "/approvers/bad%20name!/events", user="root", role="admin")[0] == 422
    assert call("GET", "/approvers/alice/events?limit=0", user="root", role="admin")[0] == 422
    assert standing("alice")["active"] is True  # nothing above changed alice


def test_listing_shows_policy_and_each_approvers_standing(api: WorkflowSpy) -> None:
    alice, _ = enroll("alice"), enroll("bob")
    fail("alice", alice, LIMIT)
    call("POST", "/approvers/bob/deactivate", {"reason": "on leave"}, "root", "admin")
    status, body = call("GET", "/approvers", user="root", role="admin")
    assert status == 200
    assert body["max_failures"] == LIMIT
    assert body["window_seconds"] == 900
    alice_row, bob_row = body["approvers"]
    assert alice_row["name"] == "alice"
    assert alice_row["locked"] is True
    assert alice_row["locked_since"]
    assert alice_row["active"] is True  # locked is not deactivated: her past approvals still count
    assert bob_row["active"] is False
    assert bob_row["deactivated_by"] == "root"
    assert bob_row["locked"] is False
    assert api_deps().repos.approvers.is_active("alice")
    assert not api_deps().repos.approvers.is_active("bob")


def test_re_enrolment_unlocks_reactivates_and_says_so(api: WorkflowSpy) -> None:
    alice = enroll("alice")
    fail("alice", alice, LIMIT)
    call("POST", "/approvers/alice/deactivate", {"reason": "lost phone"}, "root", "admin")
    status, body = call("POST", "/approvers", {"name": "alice", "replace": True}, "root", "admin")
    assert status == 201
    row = standing("alice")
    assert row["active"] is True
    assert row["locked"] is False
    assert row["failed_attempts"] == 0
    events = api_deps().repos.approvers.events("alice")
    assert events[0].event == "re_enrolled"
    assert events[0].actor == "root"
    assert events[0].details == {"cleared_lock": True, "reactivated": True}
    assert events[-1].event == "enrolled"
    assert events[-1].actor == "admin"
    deps = api_deps()
    mfa.verify(deps.repos.approvers, secret_box(deps.settings), "alice", code(body["secret"]))


def test_a_seed_the_deployment_cannot_open_costs_the_approver_nothing(api: WorkflowSpy) -> None:
    """A wrong FORGE_MFA_KEY is the deployment's fault: it is reported, and no attempt is charged to anyone."""
    alice = enroll("alice")
    other_key = SecretBox(os.urandom(32))
    for _ in range(2 * LIMIT):
        with pytest.raises(SecretBoxError, match="does not decrypt"):
            mfa.verify(api_deps().repos.approvers, other_key, "alice", code(alice))
    row = standing("alice")
    assert row["failed_attempts"] == 0
    assert row["locked"] is False
