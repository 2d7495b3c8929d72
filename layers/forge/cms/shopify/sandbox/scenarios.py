"""What the stand-in drives, as Shopify and the provider would, and what must hold (each a check):

events: payment session -> redirect_url -> provider success -> paymentSessionResolve; provider failure ->
  paymentSessionReject; refund session -> refundSessionResolve; a repeated Shopify-Request-Id creates no second
  provider payment; amounts reach the provider in the currency's minor units;
webhooks: a forged or stale provider webhook moves nothing, a redelivered one moves nothing twice; a compliance
  webhook with a forged HMAC is refused, a genuine one accepted;
permissions: a client without Shopify's certificate, or with one from another CA, is refused and creates nothing;
  every GraphQL call carries the access token.
The outbound allowlist is checked by standin.main, with a second app whose provider lies outside ALLOWED_HOSTS.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .admin_api import AdminApi
from .checks import Checks
from .client import Answer, AppClient, shopify_hmac
from .layout import COMPLIANCE_TOPICS, AppLayout
from .provider import FakeProvider
from .sessions import SHOP, Session, decimal_amount, follow_up_session, payment_session, refund_session
from .test_ca import RunCertificates

MUTATION_SECONDS = 10.0
# How long a refused or duplicated delivery gets to (wrongly) reach the GraphQL endpoint.
QUIET_SECONDS = 1.5
PAYMENT_MINOR = 1234
REFUND_MINOR = 500
DEFAULT_WEBHOOK_PATH = "/webhooks/provider"


@dataclass(frozen=True)
class Shopify:
    access_token: str
    api_secret: str


@dataclass
class Run:
    checks: Checks
    app: AppClient
    certs: RunCertificates
    admin: AdminApi
    fake: FakeProvider
    layout: AppLayout
    shopify: Shopify
    currency: str
    exponent: int
    # The spec's features: without webhooks the buyer's return settles a payment; without refunds the app rejects
    # refund sessions.
    webhooks: bool = True
    refunds: bool = True

    def payments(self) -> dict[str, dict[str, Any]]:
        found = self.fake.state().get("payments") or {}
        return found if isinstance(found, dict) else {}

    def requests(self, operation: str) -> list[dict[str, Any]]:
        found = self.fake.state().get("requests") or []
        return [r for r in found if isinstance(r, dict) and r.get("operation") == operation]


def _ok(answer: Answer) -> bool:
    return 200 <= answer.status < 300


def _answered(answer: Answer) -> bool:
    """2xx, or the redirect a buyer's return answers with."""
    return 200 <= answer.status < 400


def _refused(answer: Answer) -> bool:
    return bool(answer.refused) or answer.status in (401, 403)


def post_session(run: Run, session: Session, client: str = "shopify") -> Answer:
    pair = {"shopify": run.certs.shopify_client, "impostor": run.certs.impostor_client}.get(client)
    return run.app.post(session.path, session.body, session.headers, pair)


def start_payment(run: Run) -> tuple[Session, Answer, dict[str, Any] | None]:
    """A payment session as Shopify sends it; the provider payment it created (None when none or several)."""
    before = set(run.payments())
    session = payment_session(run.layout.sessions["payment_session_url"], PAYMENT_MINOR, run.exponent, run.currency)
    answer = post_session(run, session)
    created = [p for pid, p in run.payments().items() if pid not in before]
    return session, answer, created[0] if len(created) == 1 else None


def _created_with(run: Run, payment: dict[str, Any], field: str) -> str:
    """A URL the app gave the provider when it created `payment` (its webhook_url, return_url), as path?query."""
    for request in run.requests("createPayment"):
        body = request.get("body")
        if isinstance(body, dict) and body.get("order_id") == payment.get("order_id") and body.get(field):
            parts = urlsplit(str(body[field]))
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return ""


def webhook_path(run: Run, payment: dict[str, Any]) -> str:
    return _created_with(run, payment, "webhook_url") or DEFAULT_WEBHOOK_PATH


def provider_result(run: Run, payment: dict[str, Any], event_type: str) -> tuple[Callable[[], Answer], str]:
    """How the app learns the provider's result, as an action that can be repeated, and what it is: the signed
    webhook (delivered again: the same event), or, when the spec turns webhooks off, the buyer's return."""
    if run.webhooks:
        event = signed_event(run, webhook_path(run, payment), event_type, str(payment["id"]))
        return (lambda: post(run, event)), f"webhook {event.path}"
    back = _created_with(run, payment, "return_url")
    return (lambda: run.app.get(back) if back else Answer(0, b"", unreachable="no return_url")), f"return {back}"


@dataclass(frozen=True)
class Delivery:
    path: str
    body: bytes
    headers: dict[str, str]


def signed_event(run: Run, path: str, event_type: str, object_id: str, tamper: str = "") -> Delivery:
    """A provider webhook for the object's current state, signed by the fake; `tamper`: "forge" signs it with a
    wrong secret, "stale" dates it an hour back (signed correctly)."""
    request: dict[str, Any] = {"type": event_type, "object_id": object_id}
    if tamper == "stale":
        request["timestamp"] = int(time.time()) - 3600
    delivery = run.fake.control("POST", "events", request)
    body = str(delivery.get("body", "")).encode()
    headers = {str(k): str(v) for k, v in (delivery.get("headers") or {}).items()}
    if tamper == "forge":
        stamp = next((v for k, v in headers.items() if "timestamp" in k.lower()), "")
        forged = hmac.new(b"whsec_not_the_provider", f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        headers = {k: forged if "signature" in k.lower() else v for k, v in headers.items()}
    return Delivery(path, body, headers)


def post(run: Run, delivery: Delivery) -> Answer:
    # The provider has no Shopify certificate: its webhooks arrive without a client certificate.
    return run.app.post(delivery.path, delivery.body, delivery.headers, None)


def deliver(run: Run, path: str, event_type: str, object_id: str, tamper: str = "") -> Answer:
    return post(run, signed_event(run, path, event_type, object_id, tamper))


def _calls(run: Run, mutation: str, gid: str) -> int:
    return len(
        [
            c
            for c in run.admin.recorder.snapshot()
            if c.mutation == mutation and gid in c.query + json.dumps(c.variables)
        ]
    )


def _mutation_detail(run: Run, mutation: str, gid: str) -> str:
    seen = [c.mutation for c in run.admin.recorder.snapshot()]
    return f"waited {MUTATION_SECONDS}s for {mutation} on {gid}; GraphQL calls seen: {seen or 'none'}"


def payment_succeeds(run: Run) -> tuple[Session | None, str]:
    """The paid session (for the refund) and the webhook path, or None when the flow broke."""
    session, answer, payment = start_payment(run)
    redirect = str(answer.json().get("redirect_url") or "")
    run.checks.add("events", "payment_session_answers_redirect_url", _ok(answer) and bool(redirect), answer.describe())
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
        _ok(again) and count == 1 and again.json().get("redirect_url") == redirect,
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
        f"{how}: {delivered.describe()}; " + _mutation_detail(run, "paymentSessionResolve", session.gid),
    )
    again = tell()
    time.sleep(QUIET_SECONDS)
    calls = _calls(run, "paymentSessionResolve", session.gid)
    name = "redelivered_webhook_resolves_once" if run.webhooks else "second_return_resolves_once"
    run.checks.add("webhooks", name, _answered(again) and calls == 1, f"{again.describe()}; {calls} call(s)")
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
        f"{how}: {delivered.describe()}; " + _mutation_detail(run, "paymentSessionReject", session.gid),
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
            _ok(answer) and refused is not None and not made,
            f"{answer.describe()}; provider refunds: {len(made)}; "
            + _mutation_detail(run, "refundSessionReject", session.gid),
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
        _ok(answer) and resolved is not None,
        f"{answer.describe()}; " + _mutation_detail(run, "refundSessionResolve", session.gid),
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
        how = settled.mutation if settled else _mutation_detail(run, f"{prefix}Resolve or Reject", session.gid)
        run.checks.add("events", f"{kind.lower()}_session_settled", _ok(answer) and settled is not None, how)


def _refund_webhook_path(run: Run) -> str:
    payments = run.payments()
    return webhook_path(run, next(iter(payments.values()))) if payments else DEFAULT_WEBHOOK_PATH


def forged_provider_webhooks(run: Run) -> None:
    session, answer, payment = start_payment(run)
    if payment is None:
        run.checks.add("webhooks", "forged_provider_webhook_refused", False, f"no payment: {answer.describe()}")
        return
    path = webhook_path(run, payment)
    run.fake.control("POST", f"payments/{payment['id']}", {"status": "succeeded"})
    for tamper, name in (("forge", "forged_provider_webhook_refused"), ("stale", "stale_provider_webhook_refused")):
        refused = deliver(run, path, "payment.succeeded", str(payment["id"]), tamper)
        moved = run.admin.recorder.wait_for("paymentSessionResolve", session.gid, QUIET_SECONDS)
        run.checks.add(
            "webhooks", name, not _ok(refused) and moved is None, f"{refused.describe()}; resolved: {moved is not None}"
        )
    tell, how = provider_result(run, payment, "payment.succeeded")
    genuine = tell()
    resolved = run.admin.recorder.wait_for("paymentSessionResolve", session.gid, MUTATION_SECONDS)
    run.checks.add("webhooks", "genuine_provider_result_accepted", resolved is not None, f"{how}: {genuine.describe()}")


def compliance_webhooks(run: Run) -> None:
    for topic in COMPLIANCE_TOPICS:
        path = run.layout.compliance.get(topic)
        if path is None:
            run.checks.add("webhooks", f"compliance:{topic}", False, "no URI subscribed in shopify.app.toml")
            continue
        body = json.dumps(
            {
                "shop_id": 954889,
                "shop_domain": SHOP,
                "customer": {"id": 191167, "email": "buyer@example.com", "phone": "5555555555"},
                "orders_requested": [299938],
                "orders_to_redact": [299938],
                "data_request": {"id": 9999},
            }
        ).encode()
        headers = {
            "X-Shopify-Topic": topic,
            "X-Shopify-Shop-Domain": SHOP,
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-API-Version": "2025-07",
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        forged = run.app.post(
            path, body, {**headers, "X-Shopify-Hmac-Sha256": shopify_hmac("not-the-secret", body)}, None
        )
        run.checks.add(
            "webhooks", f"forged_compliance_webhook_refused:{topic}", forged.status == 401, forged.describe()
        )
        genuine = run.app.post(
            path, body, {**headers, "X-Shopify-Hmac-Sha256": shopify_hmac(run.shopify.api_secret, body)}, None
        )
        run.checks.add("webhooks", f"compliance_webhook_accepted:{topic}", _ok(genuine), genuine.describe())


def client_certificates(run: Run) -> None:
    path = run.layout.sessions["payment_session_url"]
    for client, name in (("none", "client_without_certificate_refused"), ("impostor", "client_of_other_ca_refused")):
        before = len(run.payments())
        session = payment_session(path, PAYMENT_MINOR, run.exponent, run.currency)
        answer = post_session(run, session, client)
        created = len(run.payments()) - before
        run.checks.add(
            "permissions", name, _refused(answer) and created == 0, f"{answer.describe()}; payments created: {created}"
        )


def graphql_calls_authenticated(run: Run) -> None:
    calls = run.admin.recorder.snapshot()
    wrong = [c.mutation for c in calls if c.token != run.shopify.access_token]
    run.checks.add(
        "permissions",
        "graphql_calls_carry_access_token",
        bool(calls) and not wrong,
        f"{len(calls)} call(s); without the token: {wrong}",
    )


def provider_contract(run: Run) -> None:
    violations = run.fake.state().get("violations") or []
    shown = [f"{v.get('operation') or v.get('path')}: {v.get('violations')}" for v in violations if isinstance(v, dict)]
    run.checks.add("events", "provider_requests_match_the_api_document", not violations, "; ".join(shown)[:1500])
