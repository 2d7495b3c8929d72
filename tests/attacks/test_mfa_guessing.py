"""Attack: guess an approver's TOTP code. Six digits are 10^6 codes, three of which pass at any instant (±1 step of
drift), so an attacker holding an ops token who may guess without limit finds one in about 330 000 tries; with
500 guesses a second that is minutes. The approver must lock after a few failures, for good, until an admin acts.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest

from forge.auth import mfa, totp
from forge.auth.secret_box import secret_box
from forge.errors import Forbidden
from forge.models.callback import CallbackMessage
from tests.integration.api.conftest import WorkflowSpy, api_deps, call, code, enroll, signed_package_awaiting

# The documented policy (docs/api.md): 5 failed codes within 15 minutes lock the approver.
LIMIT = 5


def wrong_codes(seed: str, count: int) -> list[str]:
    """`count` six-digit codes none of which is valid for `seed` right now or a step either side."""
    valid = {code(seed, offset) for offset in range(-2, 3)}
    return [c for c in (f"{n:06d}" for n in range(100_000, 100_000 + count + len(valid))) if c not in valid][:count]


def approve(request_id: object, user: str, mfa_code: str) -> tuple[int, dict]:
    return call("POST", f"/approvals/{request_id}/approve", {"mfa_code": mfa_code}, user=user)


def test_guessing_locks_the_approver_and_then_even_the_right_code_is_refused(api: WorkflowSpy) -> None:
    """After LIMIT wrong codes the approver is locked: the right code gets 403 until an admin unlocks them."""
    request_id = signed_package_awaiting(api_deps())
    alice = enroll("alice")
    answers = [approve(request_id, "alice", guess) for guess in wrong_codes(alice, 50)]
    status, body = approve(request_id, "alice", code(alice))
    assert status == 403, body
    assert "alice is locked" in body["message"]
    assert "forge approver unlock alice" in body["message"]
    assert all(status == 403 for status, _ in answers)
    assert all("not valid" in body["message"] for _, body in answers[: LIMIT - 1])
    assert all("locked" in body["message"] for _, body in answers[LIMIT - 1 :]), answers[LIMIT - 1]
    assert (
        api_deps().repos.approvals.approvals_for_package(
            api_deps().repos.approvals.get_request(request_id).plugin_package_id
        )
        == []
    )


def test_concurrent_guesses_cannot_exceed_the_limit(api: WorkflowSpy, monkeypatch: pytest.MonkeyPatch) -> None:
    """However many guesses race, at most LIMIT codes are ever checked: each takes its attempt from one atomic
    UPDATE before the code is looked at. Threads, not API calls: the handler serialises requests inside one
    process, while in AWS each concurrent request is its own Lambda container racing in Postgres."""
    deps = api_deps()
    alice = enroll("alice")
    guesses = wrong_codes(alice, 48)
    barrier = threading.Barrier(len(guesses))
    box = secret_box(deps.settings)
    checked: list[str] = []
    matching_step = totp.matching_step

    def counted(seed: str, mfa_code: str, now: float | None = None) -> int | None:
        checked.append(mfa_code)  # list.append is atomic under the GIL
        return matching_step(seed, mfa_code, now)

    monkeypatch.setattr(totp, "matching_step", counted)

    def guess(mfa_code: str) -> str:
        barrier.wait()
        try:
            mfa.verify(deps.repos.approvers, box, "alice", mfa_code)
        except Forbidden as exc:
            return "locked" if "alice is locked" in str(exc) else "checked" if "not valid" in str(exc) else str(exc)
        return "accepted"

    with ThreadPoolExecutor(len(guesses)) as pool:
        outcomes = list(pool.map(guess, guesses))
    assert len(checked) <= LIMIT, f"{len(checked)} codes checked"
    # The failure that locks answers "locked" too: at most LIMIT - 1 plain refusals, and LIMIT codes checked.
    assert outcomes.count("checked") <= LIMIT - 1, outcomes
    assert set(outcomes) == {"checked", "locked"}, outcomes
    events = deps.repos.approvers.events("alice")
    assert [e.event for e in events].count("mfa_failed") <= LIMIT
    assert [e.event for e in events].count("locked") == 1
    with pytest.raises(Forbidden, match="alice is locked"):
        mfa.verify(deps.repos.approvers, box, "alice", code(alice))


def test_a_lock_outlives_the_failure_window_until_an_admin_unlocks(api: WorkflowSpy) -> None:
    """A lock is not a cool-down: hours later the right code is still refused; only an admin's unlock (audited,
    with a reason) lets the approver in again."""
    deps = api_deps()
    request_id = signed_package_awaiting(deps)
    alice = enroll("alice")
    for guess in wrong_codes(alice, LIMIT):
        approve(request_id, "alice", guess)
    # Everything happened a day ago: the failure window is long over.
    deps.repos.jobs.db.execute(
        """UPDATE approvers SET locked_at = locked_at - interval '1 day',
                                failure_window_started_at = failure_window_started_at - interval '1 day'
           WHERE name = 'alice'"""
    )
    status, body = approve(request_id, "alice", code(alice))
    assert status == 403
    assert "locked" in body["message"]

    assert call("POST", "/approvers/alice/unlock", {"reason": "I am alice"}, user="alice", role="ops")[0] == 403
    status, body = call("POST", "/approvers/alice/unlock", {"reason": "called alice back"}, user="root", role="admin")
    assert status == 200, body
    assert body["locked"] is False, body
    assert body["failed_attempts"] == 0, body
    status, body = approve(request_id, "alice", code(alice, 1))
    assert status == 200, body

    status, events = call("GET", "/approvers/alice/events", user="root", role="admin")
    assert status == 200
    kinds = [e["event"] for e in events["events"]]
    assert kinds[:2] == ["unlocked", "locked"], kinds
    assert kinds.count("mfa_failed") == LIMIT, kinds
    unlocked = events["events"][0]
    assert unlocked["actor"] == "root"
    assert unlocked["reason"] == "called alice back"


def test_refusals_checked_before_the_code_spend_no_attempt(api: WorkflowSpy) -> None:
    """The requester, a second vote and a closed request are refused before the code is looked at, so they
    neither consume attempts nor lock anyone (an ops user cannot lock a colleague out through them)."""
    deps = api_deps()
    request_id = signed_package_awaiting(deps, requested_by="erin")
    erin, alice = enroll("erin"), enroll("alice")
    for guess in wrong_codes(erin, 3 * LIMIT):
        status, body = approve(request_id, "erin", guess)
        assert status == 403
        assert "cannot approve" in body["message"]
    assert approve(request_id, "alice", code(alice))[0] == 200
    for guess in wrong_codes(alice, 3 * LIMIT):
        status, body = approve(request_id, "alice", guess)
        assert status == 409
        assert "already decided" in body["message"]
    closed = signed_package_awaiting(deps, token="task-token-2")
    deps.repos.approvals.close(closed, "rejected", "rejected", CallbackMessage.failure("ApprovalRejected", "no"))
    for guess in wrong_codes(alice, 3 * LIMIT):
        assert approve(closed, "alice", guess)[0] == 409

    status, listed = call("GET", "/approvers", user="root", role="admin")
    assert status == 200
    by_name = {a["name"]: a for a in listed["approvers"]}
    assert by_name["erin"]["failed_attempts"] == 0
    assert by_name["erin"]["locked"] is False
    assert by_name["alice"]["failed_attempts"] == 0
    assert by_name["alice"]["locked"] is False


def test_approver_security_events_cannot_be_rewritten(api: WorkflowSpy) -> None:
    """The audit of failed codes, locks and unlocks is append-only: whoever reaches the database cannot erase
    the trace of a guessing attack or of an unlock."""
    deps = api_deps()
    alice = enroll("alice")
    for guess in wrong_codes(alice, 2):
        with pytest.raises(Forbidden):
            mfa.verify(deps.repos.approvers, secret_box(deps.settings), "alice", guess)
    assert len(deps.repos.approvers.events("alice")) == 3  # enrolled + two failures
    for statement in (
        "UPDATE approver_security_events SET reason = 'nothing happened'",
        "DELETE FROM approver_security_events WHERE event = 'mfa_failed'",
        "TRUNCATE approver_security_events",
        "TRUNCATE approvers CASCADE",
    ):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="append-only"):
            deps.repos.jobs.db.execute(statement)
    assert len(deps.repos.approvers.events("alice")) == 3


def test_a_deactivated_approver_cannot_approve_until_re_enrolled(api: WorkflowSpy) -> None:
    """Deactivation (an admin's audited act) ends an approver's power to approve, whatever code they hold;
    re-enrolment with a new secret is the way back."""
    deps = api_deps()
    request_id = signed_package_awaiting(deps)
    alice = enroll("alice")
    assert deps.repos.approvers.is_active("alice")
    assert not deps.repos.approvers.is_active("nobody")
    assert call("POST", "/approvers/alice/deactivate", {"reason": "left"}, user="bob", role="ops")[0] == 403
    status, body = call("POST", "/approvers/alice/deactivate", {"reason": "left the company"}, "root", "admin")
    assert status == 200, body
    assert body["active"] is False, body
    assert not deps.repos.approvers.is_active("alice")
    status, body = approve(request_id, "alice", code(alice))
    assert status == 403
    assert "deactivated" in body["message"]
    assert call("POST", "/approvers/alice/deactivate", {"reason": "again"}, "root", "admin")[0] == 409

    status, body = call("POST", "/approvers", {"name": "alice", "replace": True}, "root", "admin")
    assert status == 201
    assert deps.repos.approvers.is_active("alice")
    assert approve(request_id, "alice", totp.code_at_step(body["secret"], totp.current_step()))[0] == 200


def test_a_replayed_code_neither_passes_nor_resets_the_count(api: WorkflowSpy) -> None:
    """A code seen once (shoulder-surfed, logged) is not a key to more guesses: replaying it counts as a failure
    and does not clear the failures before it, so interleaving it with guesses still ends in a lock."""
    deps = api_deps()
    alice = enroll("alice")
    box = secret_box(deps.settings)
    seen = code(alice)
    mfa.verify(deps.repos.approvers, box, "alice", seen)  # alice's own approval: the code is now used
    # guess, replay, guess, replay, ...: were a replay to clear the count, this would never lock.
    attempts = [c for guess in wrong_codes(alice, 3 * LIMIT) for c in (guess, seen)]
    answers = []
    for attempt in attempts:
        with pytest.raises(Forbidden) as refused:
            mfa.verify(deps.repos.approvers, box, "alice", attempt)
        answers.append(str(refused.value))
        if "alice is locked" in answers[-1]:
            break
    assert len(answers) == LIMIT, answers
    failed = [e for e in deps.repos.approvers.events("alice") if e.event == "mfa_failed"]
    assert len(failed) == LIMIT
    assert {e.reason for e in failed} == {
        "the MFA code is not valid",
        "the MFA code was already used; wait for the next one",
    }
