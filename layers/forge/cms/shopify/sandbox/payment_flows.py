"""The payment's life as Shopify drives it (events): payment session -> redirect_url -> the provider's success ->
paymentSessionResolve, and no second provider payment for a retried request, amounts in minor units; the provider's
failure -> paymentSessionReject; a refund session -> refundSessionResolve (or, refunds off, refundSessionReject
with no provider refund); a capture and a void each settled. Without webhooks the buyer's return settles. Shopify's
test flag: each mode's payment reaches that mode's provider URL."""

from __future__ import annotations

import time
from typing import Any

from .run import (
    DEFAULT_WEBHOOK_PATH,
    MUTATION_SECONDS,
    PAYMENT_MINOR,
    QUIET_SECONDS,
    REFUND_MINOR,
    Run,
    answered,
    calls,
    deliver,
    mutation_detail,
    ok,
    post_session,
    provider_request,
    provider_result,
    reached,
    start_payment,
    webhook_path,
)
from .sessions import Session, decimal_amount, follow_up_session, refund_session


def payment_succeeds(run: Run) -> tuple[Session | None, str]:
    """The paid session (for the refund) and the webhook path, or None when the flow broke."""
    session, answer, payment = start_payment(run)
    redirect = str(answer.json().get("redirect_url") or "")
    run.checks.add("events", "payment_session_answers_redirect_url", ok(answer) and bool(redirect), answer.describe())
    if payment is None:
        run.checks.add("events", "payment_session_creates_one_provider_payment", False, "no single new payment")
        return None, DEFAULT_WEBHOOK_PATH
    run.checks.add(
        "events",
        "amount_reaches_provider_in_minor_units",
        payment.get("amount") == PAYMENT_MINOR and payment.get("currency") == run.currency,
        f"provider got {payment.get('amount')} {payment.get('currency')}, expected {PAYMENT_MINOR} {run.currency}",
    )
    again = post_session(run, session)
    count = len([p for p in run.payments().values() if p.get("order_id") == payment.get("order_id")])
    run.checks.add(
        "events",
        "same_shopify_request_id_creates_no_second_payment",
        ok(again) and count == 1 and again.json().get("redirect_url") == redirect,
        f"retry: {again.describe()}; provider payments for the order: {count}",
    )
    run.fake.control("POST", f"payments/{payment['id']}", {"status": "succeeded"})
    tell, how = provider_result(run, payment, "payment.succeeded")
    delivered = tell()
    resolved = run.admin.recorder.wait_for("paymentSessionResolve", session.gid, MUTATION_SECONDS)
    run.checks.add(
        "events",
        "provider_success_resolves_payment_session",
        resolved is not None,
        f"{how}: {delivered.describe()}; " + mutation_detail(run, "paymentSessionResolve", session.gid),
    )
    again = tell()
    time.sleep(QUIET_SECONDS)
    resolves = calls(run, "paymentSessionResolve", session.gid)
    name = "redelivered_webhook_resolves_once" if run.webhooks else "second_return_resolves_once"
    run.checks.add("webhooks", name, answered(again) and resolves == 1, f"{again.describe()}; {resolves} call(s)")
    return session, webhook_path(run, payment)


def payment_fails(run: Run) -> None:
    session, answer, payment = start_payment(run)
    if payment is None:
        run.checks.add("events", "provider_failure_rejects_payment_session", False, f"no payment: {answer.describe()}")
        return
    run.fake.control("POST", f"payments/{payment['id']}", {"status": "failed", "failure_message": "Declined"})
    tell, how = provider_result(run, payment, "payment.failed")
    delivered = tell()
    rejected = run.admin.recorder.wait_for("paymentSessionReject", session.gid, MUTATION_SECONDS)
    run.checks.add(
        "events",
        "provider_failure_rejects_payment_session",
        rejected is not None,
        f"{how}: {delivered.describe()}; " + mutation_detail(run, "paymentSessionReject", session.gid),
    )


def refund(run: Run, paid: Session) -> None:
    path = run.layout.sessions.get("refund_session_url")
    if path is None:
        run.checks.add("events", "refund_session_resolves", False, "the extension names no refund_session_url")
        return
    session = refund_session(path, paid.id, REFUND_MINOR, run.exponent, run.currency)
    answer = post_session(run, session)
    if not run.refunds:
        refused = run.admin.recorder.wait_for("refundSessionReject", session.gid, MUTATION_SECONDS)
        made = run.fake.state().get("refunds") or {}
        run.checks.add(
            "events",
            "refund_session_rejected_when_refunds_are_off",
            ok(answer) and refused is not None and not made,
            f"{answer.describe()}; provider refunds: {len(made)}; "
            + mutation_detail(run, "refundSessionReject", session.gid),
        )
        return
    resolved = run.admin.recorder.wait_for("refundSessionResolve", session.gid, 3.0)
    if resolved is None:
        # An app that waits for the provider's refund.succeeded resolves once that webhook arrives.
        refunds = run.fake.state().get("refunds") or {}
        for refund_id in refunds if isinstance(refunds, dict) else {}:
            deliver(run, _refund_webhook_path(run), "refund.succeeded", str(refund_id))
        resolved = run.admin.recorder.wait_for("refundSessionResolve", session.gid, MUTATION_SECONDS)
    amounts = [r.get("amount") for r in (run.fake.state().get("refunds") or {}).values()]
    run.checks.add(
        "events",
        "refund_session_resolves",
        ok(answer) and resolved is not None,
        f"{answer.describe()}; " + mutation_detail(run, "refundSessionResolve", session.gid),
    )
    run.checks.add("events", "refund_amount_in_minor_units", amounts == [REFUND_MINOR], f"provider refunds: {amounts}")


def capture_and_void(run: Run, paid: Session) -> None:
    """Shopify needs a final answer to every session: a capture and a void of the paid session are each resolved or
    rejected (which one is the app's to decide: an offsite payment is a sale)."""
    amount = decimal_amount(PAYMENT_MINOR, run.exponent)
    for kind, key, amounted in (("Capture", "capture_session_url", True), ("Void", "void_session_url", False)):
        path = run.layout.sessions.get(key)
        if path is None:
            run.checks.add("events", f"{kind.lower()}_session_settled", False, f"the extension names no {key}")
            continue
        session = follow_up_session(kind, path, paid.id, amount if amounted else None, run.currency)
        answer = post_session(run, session)
        prefix = f"{kind.lower()}Session"
        settled = run.admin.recorder.wait_for(f"{prefix}Resolve", session.gid, MUTATION_SECONDS, f"{prefix}Reject")
        how = settled.mutation if settled else mutation_detail(run, f"{prefix}Resolve or Reject", session.gid)
        run.checks.add("events", f"{kind.lower()}_session_settled", ok(answer) and settled is not None, how)


def _refund_webhook_path(run: Run) -> str:
    payments = run.payments()
    return webhook_path(run, next(iter(payments.values()))) if payments else DEFAULT_WEBHOOK_PATH


def _session_in_mode(run: Run, mode: str) -> tuple[Session, dict[str, Any] | None]:
    """A session of `mode` ("test" or "live"), checked to have made its payment in that mode at that mode's URL."""
    session, answer, payment = start_payment(run, mode == "test")
    created = provider_request(run, "createPayment", "order_id", (payment or {}).get("order_id"))
    held, where = reached(run, created, mode)
    name = f"{mode}_session_reaches_{mode}_provider"
    run.checks.add("events", name, ok(answer) and payment is not None and held, f"{answer.describe()}; {where}")
    return session, payment


def _live_refund(run: Run, session: Session, payment: dict[str, Any]) -> None:
    path = run.layout.sessions.get("refund_session_url")
    if not run.refunds or path is None:
        return
    answer = post_session(run, refund_session(path, session.id, REFUND_MINOR, run.exponent, run.currency, False))
    deadline = time.monotonic() + MUTATION_SECONDS
    made = provider_request(run, "createRefund", "payment_id", payment["id"])
    while made is None and time.monotonic() < deadline:
        time.sleep(0.1)
        made = provider_request(run, "createRefund", "payment_id", payment["id"])
    held, where = reached(run, made, "live")
    run.checks.add("events", "live_refund_reaches_live_provider", ok(answer) and held, f"{answer.describe()}; {where}")


def modes(run: Run) -> None:
    """Shopify's `test` flag picks the provider account: a test session's payment reaches the test base URL in test
    mode, a live one the live base URL in live mode; the live payment is settled by the provider's result (a webhook
    signed with the live secret; the test secret moves nothing) and refunded in live mode."""
    _session_in_mode(run, "test")
    session, payment = _session_in_mode(run, "live")
    if payment is None:
        return
    run.fake.control("POST", f"payments/{payment['id']}", {"status": "succeeded"})
    if run.webhooks:
        refused = deliver(run, webhook_path(run, payment), "payment.succeeded", str(payment["id"]), "test-secret")
        moved = run.admin.recorder.wait_for("paymentSessionResolve", session.gid, QUIET_SECONDS)
        run.checks.add(
            "webhooks",
            "test_secret_cannot_settle_live_payment",
            moved is None,
            f"{refused.describe()}; resolved: {moved is not None}",
        )
    tell, how = provider_result(run, payment, "payment.succeeded")
    delivered = tell()
    resolved = run.admin.recorder.wait_for("paymentSessionResolve", session.gid, MUTATION_SECONDS)
    run.checks.add(
        "events",
        "live_provider_success_resolves_payment_session",
        resolved is not None,
        f"{how}: {delivered.describe()}; " + mutation_detail(run, "paymentSessionResolve", session.gid),
    )
    if resolved is not None:
        _live_refund(run, session, payment)
