"""What every scenario of the stand-in shares: the run (the app's client, the test CA, the GraphQL recorder, the
fake provider, the app's layout, the spec's features), and how Shopify and the provider talk to the app."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .admin_api import AdminApi
from .checks import Checks
from .client import Answer, AppClient
from .layout import AppLayout
from .provider import WEBHOOK_SECRETS, FakeProvider
from .sessions import Session, payment_session
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
    # The spec's provider base URLs by mode ("test", "live"): where a session of that mode must reach.
    provider_urls: dict[str, str] = field(default_factory=dict)

    def payments(self) -> dict[str, dict[str, Any]]:
        found = self.fake.state().get("payments") or {}
        return found if isinstance(found, dict) else {}

    def requests(self, operation: str) -> list[dict[str, Any]]:
        found = self.fake.state().get("requests") or []
        return [r for r in found if isinstance(r, dict) and r.get("operation") == operation]


def ok(answer: Answer) -> bool:
    return 200 <= answer.status < 300


def answered(answer: Answer) -> bool:
    """2xx, or the redirect a buyer's return answers with."""
    return 200 <= answer.status < 400


def refused(answer: Answer) -> bool:
    return bool(answer.refused) or answer.status in (401, 403)


def post_session(run: Run, session: Session, client: str = "shopify") -> Answer:
    pair = {"shopify": run.certs.shopify_client, "impostor": run.certs.impostor_client}.get(client)
    return run.app.post(session.path, session.body, session.headers, pair)


def start_payment(run: Run, test: bool = True) -> tuple[Session, Answer, dict[str, Any] | None]:
    """A payment session as Shopify sends it (`test`: Shopify's test mode); the provider payment it created (None
    when none or several)."""
    before = set(run.payments())
    path = run.layout.sessions["payment_session_url"]
    session = payment_session(path, PAYMENT_MINOR, run.exponent, run.currency, test)
    answer = post_session(run, session)
    created = [p for pid, p in run.payments().items() if pid not in before]
    return session, answer, created[0] if len(created) == 1 else None


def created_with(run: Run, payment: dict[str, Any], field: str) -> str:
    """A URL the app gave the provider when it created `payment` (its webhook_url, return_url), as path?query."""
    for request in run.requests("createPayment"):
        body = request.get("body")
        if isinstance(body, dict) and body.get("order_id") == payment.get("order_id") and body.get(field):
            parts = urlsplit(str(body[field]))
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return ""


def provider_request(run: Run, operation: str, field: str, value: object) -> dict[str, Any] | None:
    """The first request of `operation` whose body's `field` is `value`, as the fake recorded it (mode, host,
    path)."""
    for request in run.requests(operation):
        body = request.get("body")
        if isinstance(body, dict) and body.get(field) == value:
            return request
    return None


def reached(run: Run, request: dict[str, Any] | None, mode: str) -> tuple[bool, str]:
    """Whether a recorded provider request was made in `mode` at that mode's base URL, and what it reached."""
    if request is None:
        return False, "no such provider request"
    parts = urlsplit(run.provider_urls.get(mode, ""))
    base = f"{parts.hostname}{parts.path.rstrip('/')}/"
    where = f"{request.get('host')}{request.get('path')}"
    held = request.get("mode") == mode and where.startswith(base)
    return held, f"{request.get('mode')} mode at {where} (expected {mode} at {base})"


def webhook_path(run: Run, payment: dict[str, Any]) -> str:
    return created_with(run, payment, "webhook_url") or DEFAULT_WEBHOOK_PATH


def provider_result(run: Run, payment: dict[str, Any], event_type: str) -> tuple[Callable[[], Answer], str]:
    """How the app learns the provider's result, as an action that can be repeated, and what it is: the signed
    webhook (delivered again: the same event), or, when the spec turns webhooks off, the buyer's return."""
    if run.webhooks:
        event = signed_event(run, webhook_path(run, payment), event_type, str(payment["id"]))
        return (lambda: post(run, event)), f"webhook {event.path}"
    back = created_with(run, payment, "return_url")
    return (lambda: run.app.get(back) if back else Answer(0, b"", unreachable="no return_url")), f"return {back}"


@dataclass(frozen=True)
class Delivery:
    path: str
    body: bytes
    headers: dict[str, str]


def signed_event(run: Run, path: str, event_type: str, object_id: str, tamper: str = "") -> Delivery:
    """A provider webhook for the object's current state, signed by the fake; `tamper`: "forge" signs it with a
    wrong secret, "test-secret" with the test mode's (the object being live), "stale" dates it an hour back (signed
    correctly)."""
    request: dict[str, Any] = {"type": event_type, "object_id": object_id}
    if tamper == "stale":
        request["timestamp"] = int(time.time()) - 3600
    delivery = run.fake.control("POST", "events", request)
    body = str(delivery.get("body", "")).encode()
    headers = {str(k): str(v) for k, v in (delivery.get("headers") or {}).items()}
    if tamper in ("forge", "test-secret"):
        secret = WEBHOOK_SECRETS["test"] if tamper == "test-secret" else "whsec_not_the_provider"
        stamp = next((v for k, v in headers.items() if "timestamp" in k.lower()), "")
        forged = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        headers = {k: forged if "signature" in k.lower() else v for k, v in headers.items()}
    return Delivery(path, body, headers)


def post(run: Run, delivery: Delivery) -> Answer:
    # The provider has no Shopify certificate: its webhooks arrive without a client certificate.
    return run.app.post(delivery.path, delivery.body, delivery.headers, None)


def deliver(run: Run, path: str, event_type: str, object_id: str, tamper: str = "") -> Answer:
    return post(run, signed_event(run, path, event_type, object_id, tamper))


def calls(run: Run, mutation: str, gid: str) -> int:
    return len(
        [
            c
            for c in run.admin.recorder.snapshot()
            if c.mutation == mutation and gid in c.query + json.dumps(c.variables)
        ]
    )


def mutation_detail(run: Run, mutation: str, gid: str) -> str:
    seen = [c.mutation for c in run.admin.recorder.snapshot()]
    return f"waited {MUTATION_SECONDS}s for {mutation} on {gid}; GraphQL calls seen: {seen or 'none'}"
