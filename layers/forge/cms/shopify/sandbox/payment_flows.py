"""The payment's life as Shopify drives it (events): payment session -> redirect_url -> the provider's success ->
paymentSessionResolve, and no second provider payment for a retried request, amounts in minor units; the provider's
failure -> paymentSessionReject; a refund session -> refundSessionResolve (or, refunds off, refundSessionReject
with no provider refund); a capture and a void each settled. Without webhooks the buyer's return settles."""

from __future__ import annotations

import time

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
    provider_result,
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
