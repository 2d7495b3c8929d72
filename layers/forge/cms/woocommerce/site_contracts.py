"""The money contracts, run against a real WordPress site of the Sandbox step (the isolated half).

The site is served by two `php -S` servers (one site, one database), and requests meant to run at once go one to
each, so they really do (two processes, as two PHP-FPM workers of a shop would be); the plugin's requests to
the provider's hosts go to the fake provider (forge.cms.provider_api, its own `php -S` on loopback), which answers
as the provider API document says and records every request it found outside the document. Each contract drives
the site the way a shop is driven (the checkout's AJAX request, the order-received page, signed webhook deliveries,
the refund button, the Action Scheduler queue runner) and reads the orders back.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from forge.cms import provider_api
from forge.models.spec import PluginSpec

TIMEOUT = 30.0
SIGNATURE = provider_api.signature_scheme()["signature-header"]
TIMESTAMP = provider_api.signature_scheme()["timestamp-header"]
# What the plugin's HTTP client may wait for: below PHP's usual 30 s max_execution_time.
PHP_TIME_LIMIT = 30.0


@dataclass
class Contract:
    suite: str
    name: str
    ok: bool
    detail: str


@dataclass
class Site:
    """A served sandbox site and the fake provider beside it."""

    base: str
    second: str  # the other server of the same site
    provider: str
    token: str
    gateway: str
    currency: str
    exponent: int
    total: str = "1500.00"
    log: list[str] = field(default_factory=list)

    # ---- HTTP -------------------------------------------------------------------------------------------

    def request(
        self, url: str, payload: dict[str, Any] | None = None, headers: dict[str, str] | None = None, form: bool = False
    ) -> tuple[int, Any]:
        data = None
        all_headers = dict(headers or {})
        if payload is not None and form:
            data = urllib.parse.urlencode(payload).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif payload is not None:
            data = json.dumps(payload).encode()
            all_headers.setdefault("Content-Type", "application/json")
        method = "POST" if data is not None else "GET"
        req = urllib.request.Request(url, data=data, headers=all_headers, method=method)  # noqa: S310 - loopback only
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as response:  # noqa: S310 - loopback only
                status, body = response.status, response.read(1_000_000)
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read(1_000_000)
        except OSError as exc:
            return 0, str(exc)
        text = body.decode("utf-8", "replace")
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def standin(self, action: str, payload: dict[str, Any] | None = None, query: str = "") -> Any:
        status, body = self.request(
            f"{self.base}/?forge-standin={action}{query}", payload, {"X-Forge-Standin": self.token}
        )
        if status != 200:
            raise SiteError(f"stand-in {action}: HTTP {status} {str(body)[:300]}")
        return body

    def control(self, action: str, payload: dict[str, Any] | None = None, method: str = "POST") -> Any:
        url = f"{self.provider}/_forge/{action}"
        status, body = self.request(url, payload if method == "POST" else None)
        if status >= 300:
            raise SiteError(f"fake provider {action}: HTTP {status} {str(body)[:300]}")
        return body

    # ---- a shop's moves -------------------------------------------------------------------------------

    def minor(self, amount: str) -> int:
        return int(Decimal(amount) * (10**self.exponent))

    def new_order(self) -> dict[str, Any]:
        payload = {"total": self.total, "currency": self.currency, "payment_method": self.gateway}
        return dict(self.standin("create-order", payload))

    def order(self, order_id: int) -> dict[str, Any]:
        return dict(self.standin("order", query=f"&id={order_id}"))

    def checkout(self, order: dict[str, Any], server: int = 0) -> tuple[int, Any]:
        form = {"order_id": order["id"], "order_key": order["order_key"], "payment_method": self.gateway}
        return self.request(f"{(self.base, self.second)[server]}/?wc-ajax=checkout", form, form=True)

    def payments_of(self, order_id: int) -> list[dict[str, Any]]:
        payments = _objects(self.control("state", method="GET"), "payments")
        return [p for p in payments if str(p["order_id"]) == str(order_id)]

    def signed_event(self, event_type: str, object_id: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        return dict(self.control("events", {"type": event_type, "object_id": object_id, "data": data or {}}))

    def settings(self, **changes: str) -> None:
        self.standin("settings", {"gateway": self.gateway, "set": changes})

    def deliver(self, route: str, signed: dict[str, Any], slow_reads_ms: int = 0, server: int = 0) -> tuple[int, Any]:
        headers = dict(signed["headers"])
        if slow_reads_ms:
            headers["X-Forge-Slow-Reads"] = str(slow_reads_ms)
        request = urllib.request.Request(  # noqa: S310 - loopback only: the sandbox site's own servers
            f"{(self.base, self.second)[server]}/?rest_route={route}",
            data=signed["body"].encode(),
            headers=headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - loopback only
                return response.status, json.loads(response.read().decode())
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(2000).decode("utf-8", "replace")
        except (OSError, ValueError) as exc:
            return 0, str(exc)


class SiteError(RuntimeError):
    """The sandbox site or the fake provider did not answer as a contract needs."""


def _objects(state: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The fake's payments or refunds (PHP encodes an empty map as a list)."""
    found = state.get(kind) or {}
    return list(found.values()) if isinstance(found, dict) else list(found)


def _together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at the same moment (a barrier releases them together); their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    return results


def _notes_with(order: dict[str, Any], text: str) -> int:
    return sum(1 for note in order["notes"] if text.lower() in str(note).lower())


# ---- the contracts ---------------------------------------------------------------------------------------


def double_submit_one_payment(site: Site, route: str) -> tuple[bool, str]:
    """Two checkout submissions at the same moment, then a third: one payment at the provider."""
    site.control("scenario", {"next_payment_status": "requires_action", "payment_delay_ms": 0})
    order = site.new_order()
    first, second = _together(lambda: site.checkout(order), lambda: site.checkout(order, server=1))
    third = site.checkout(order)
    payments = site.payments_of(order["id"])
    redirects = {json.dumps(r[1].get("result", {}).get("redirect")) if isinstance(r[1], dict) else None
                 for r in (first, second, third)}  # fmt: skip
    results = [r[1].get("result", {}).get("result") if isinstance(r[1], dict) else r for r in (first, second, third)]
    ok = len(payments) == 1 and results == ["success"] * 3 and len(redirects) == 1
    return ok, f"{len(payments)} payment(s) for 3 submissions (2 at once); results {results}"


def checkout_never_undoes_webhook_completion(site: Site, route: str) -> tuple[bool, str]:
    """The webhook completes the order while checkout still waits for the provider's answer ("pending")."""
    site.control("scenario", {"next_payment_status": "pending", "payment_delay_ms": 800})
    order = site.new_order()
    holder: list[Any] = []
    thread = threading.Thread(target=lambda: holder.append(site.checkout(order)))
    thread.start()
    payment: dict[str, Any] = {}
    deadline = time.monotonic() + 10
    while not payment and time.monotonic() < deadline:
        made = site.payments_of(order["id"])
        payment = made[0] if made else {}
        time.sleep(0.05)
    delivered: tuple[int, Any] = (0, "no payment created")
    if payment:
        site.control(f"payments/{payment['id']}", {"status": "succeeded"})
        delivered = site.deliver(route, site.signed_event("payment.succeeded", payment["id"]), server=1)
    thread.join(TIMEOUT)
    site.control("scenario", {"payment_delay_ms": 0})
    final = site.order(order["id"])
    checkout = holder[0][1].get("result", {}).get("result") if holder and isinstance(holder[0][1], dict) else holder
    ok = delivered[0] == 200 and final["status"] == "processing" and checkout == "success"
    return ok, f"webhook -> {delivered[0]} {delivered[1]}; checkout -> {checkout}; order {final['status']}"


def lost_webhook_completes_on_return(site: Site, route: str) -> tuple[bool, str]:
    """The customer paid on the payment page, the webhook never came: the order-received page completes it."""
    site.control("scenario", {"next_payment_status": "requires_action"})
    order = site.new_order()
    site.checkout(order)
    made = site.payments_of(order["id"])
    if made:
        site.control(f"payments/{made[0]['id']}", {"status": "succeeded"})
    status, _page = site.request(site.order(order["id"])["received_url"])
    final = site.order(order["id"])
    ok = len(made) == 1 and status == 200 and final["status"] == "processing"
    return ok, f"order-received page -> {status}; order {final['status']}"


def lost_webhook_completes_by_reconciliation(site: Site, route: str) -> tuple[bool, str]:
    """A mobile-money payment succeeds later and its webhook is lost: the scheduled reconciliation completes it."""
    site.control("scenario", {"next_payment_status": "pending"})
    order = site.new_order()
    site.checkout(order)
    held = site.order(order["id"])["status"]
    made = site.payments_of(order["id"])
    if made:
        site.control(f"payments/{made[0]['id']}", {"status": "succeeded"})
    ran = site.standin("run-scheduled")
    final = site.order(order["id"])
    ok = len(made) == 1 and held == "on-hold" and final["status"] == "processing" and ran["ran"] > 0
    return ok, f"after checkout {held}; {ran['ran']} scheduled action(s) ran; order {final['status']}"


def _paid_order(site: Site) -> dict[str, Any]:
    site.control("scenario", {"next_payment_status": "succeeded"})
    order = site.new_order()
    site.checkout(order)
    return order


def refund_pending_then_failed(site: Site, route: str) -> tuple[bool, str]:
    """A full refund Molam accepts as pending, then fails: the order shows it pending, then shows it failed, and
    goes back to its status with no refund left on it."""
    order = _paid_order(site)
    site.control("scenario", {"next_refund_status": "pending"})
    answer = site.standin("refund", {"order_id": order["id"], "amount": site.total, "reason": "sandbox"})
    pending = site.order(order["id"])
    state = site.control("state", method="GET")
    refunds = [r for r in _objects(state, "refunds") if str(r["order_id"]) == str(order["id"])]
    delivered: tuple[int, Any] = (0, "no refund at the provider")
    if refunds:
        site.control(f"refunds/{refunds[0]['id']}", {"status": "failed"})
        delivered = site.deliver(route, site.signed_event("refund.failed", refunds[0]["id"]))
    final = site.order(order["id"])
    site.control("scenario", {"next_refund_status": "succeeded"})
    ok = (
        "refund" in answer
        and _notes_with(pending, "pending") >= 1
        and len(pending["refunds"]) == 1
        and delivered[0] == 200
        and not final["refunds"]
        and final["status"] == "processing"
        and _notes_with(final, "failed") >= 1
    )
    return ok, (
        f"refund -> {answer}; while pending: {len(pending['refunds'])} refund(s), status {pending['status']}; "
        f"refund.failed -> {delivered[0]}; then {len(final['refunds'])} refund(s), status {final['status']}"
    )


def dashboard_refund_recorded(site: Site, route: str) -> tuple[bool, str]:
    """A refund made in the provider's dashboard becomes the WooCommerce refund (once, even if told twice)."""
    order = _paid_order(site)
    made = site.payments_of(order["id"])
    if not made:
        return False, "no payment"
    refund = site.control("refunds", {"payment_id": made[0]["id"], "amount": site.minor("5.00")})
    first = site.deliver(route, site.signed_event("refund.succeeded", refund["id"]))
    again = site.deliver(route, site.signed_event("refund.succeeded", refund["id"]))
    final = site.order(order["id"])
    amounts = [r["amount"] for r in final["refunds"]]
    ok = first[0] == 200 and again[0] == 200 and len(amounts) == 1 and Decimal(amounts[0]) == Decimal("5.00")
    return ok, f"refund.succeeded -> {first[0]} {first[1]}, again -> {again[0]} {again[1]}; refunds {amounts}"


def duplicate_concurrent_webhooks_one_effect(site: Site, route: str) -> tuple[bool, str]:
    """The same signed event delivered twice at the same moment (two php -S workers): applied once. Each order read
    takes 400 ms longer (the stand-in's slow-reads knob), so deliveries that did not exclude each other would both
    find the order unpaid and both apply it."""
    site.control("scenario", {"next_payment_status": "pending"})
    order = site.new_order()
    site.checkout(order)
    made = site.payments_of(order["id"])
    if not made:
        return False, "no payment"
    site.control(f"payments/{made[0]['id']}", {"status": "succeeded"})
    signed = site.signed_event("payment.succeeded", made[0]["id"])
    answers = _together(lambda: site.deliver(route, signed, 400), lambda: site.deliver(route, signed, 400, server=1))
    retried = []
    for status, _ in answers:
        if status == 409:  # "in progress": the provider retries, and the retry is acknowledged as a duplicate
            retried.append(site.deliver(route, signed))
    final = site.order(order["id"])
    results = sorted(str(body.get("result")) if isinstance(body, dict) else str(body) for _, body in answers)
    confirmed = _notes_with(final, "confirmed payment")
    ok = (
        final["status"] == "processing"
        and final["payment_complete_calls"] == 1
        and confirmed == 1
        and "processed" in results
        and all(s in (200, 409) for s, _ in answers)
        and all(s == 200 for s, _ in retried)
    )
    return ok, (
        f"two deliveries at once -> {[s for s, _ in answers]} {results}; retries {[s for s, _ in retried]}; "
        f"payment_complete ran {final['payment_complete_calls']}x, {confirmed} confirmation note(s)"
    )


def other_payment_alerts_the_merchant(site: Site, route: str) -> tuple[bool, str]:
    """A webhook about a payment that is not the order's current one changes nothing and is never silent: an order
    note, a log line and an admin notice name it."""
    site.control("scenario", {"next_payment_status": "requires_action"})
    order, other = site.new_order(), site.new_order()
    site.checkout(order)
    site.checkout(other)
    stray = site.payments_of(other["id"])
    if not stray:
        return False, "no payment"
    site.control(f"payments/{stray[0]['id']}", {"status": "succeeded"})
    event = site.signed_event("payment.succeeded", stray[0]["id"], {"order_id": str(order["id"])})
    delivered = site.deliver(route, event)
    final = site.order(order["id"])
    notices = str(site.standin("admin-notices")["html"])
    logged = " ".join(str(e.get("message")) for e in site.standin("log")["log"])
    payment = stray[0]["id"]
    ok = final["status"] == "pending" and _notes_with(final, payment) >= 1 and payment in notices and payment in logged
    return ok, (
        f"event for {payment} on order {order['id']} -> {delivered[0]} {delivered[1]}; order {final['status']}; "
        f"note {_notes_with(final, payment) >= 1}, admin notice {payment in notices}, log {payment in logged}"
    )


def refund_in_the_orders_mode(site: Site, route: str) -> tuple[bool, str]:
    """An order paid in test mode is refunded in test mode (sandbox, test key) after the shop went live."""
    order = _paid_order(site)
    site.settings(testmode="no")
    try:
        answer = site.standin("refund", {"order_id": order["id"], "amount": "1.00", "reason": "sandbox"})
    finally:
        site.settings(testmode="yes")
    state = site.control("state", method="GET")
    refunds = [r for r in state["requests"] if r["operation"] == "createRefund"]
    last = refunds[-1] if refunds else {}
    ok = "refund" in answer and last.get("mode") == "test" and last.get("status") == 201
    return ok, f"refund -> {answer}; sent to the {last.get('mode')} server ({last.get('host')}) -> {last.get('status')}"


def rejected_delivery_is_logged(site: Site, route: str) -> tuple[bool, str]:
    """With the debug log on, a webhook refused for its signature is logged with the reason (and no secret)."""
    site.settings(debug="yes")
    try:
        headers = {"Content-Type": "application/json", SIGNATURE: "0" * 64, TIMESTAMP: str(int(time.time()))}
        body = json.dumps({"id": "evt_forged", "type": "payment.succeeded", "data": {}})
        forged = {"headers": headers, "body": body}
        delivered = site.deliver(route, forged)
    finally:
        site.settings(debug="no")
    entries = [str(e.get("message")) for e in site.standin("log")["log"]]
    reasons = [e for e in entries if "invalid_signature" in e]
    ok = delivered[0] == 401 and bool(reasons)
    return ok, f"forged delivery -> {delivered[0]}; log: {reasons[-1] if reasons else 'nothing'}"


def requests_follow_provider_api(site: Site, route: str) -> tuple[bool, str]:
    """Every request the plugin made in these contracts matched the provider API document, each POST carried an
    idempotency key, and no request could wait as long as PHP's time limit."""
    state = site.control("state", method="GET")
    requests = state["requests"]
    violations = [f"{r['method']} {r['path']}: {'; '.join(r['violations'])}" for r in state["violations"]]
    unkeyed = [r["path"] for r in requests if r["method"] == "POST" and not r["key"]]
    slow = [r["timeout"] for r in requests if r["timeout"] is None or not 0 < float(r["timeout"]) < PHP_TIME_LIMIT]
    ok = bool(requests) and not violations and not unkeyed and not slow
    ops = sorted({r["operation"] for r in requests})
    return ok, f"{len(requests)} request(s) ({', '.join(ops)}); violations {violations[:3]}; timeouts over: {slow[:3]}"


# (suite, name, contract, needs webhooks, needs refunds)
CONTRACTS: tuple[tuple[str, str, Callable[[Site, str], tuple[bool, str]], bool, bool], ...] = (
    ("events", "double_submit_one_payment", double_submit_one_payment, False, False),
    ("events", "checkout_never_undoes_webhook_completion", checkout_never_undoes_webhook_completion, True, False),
    ("events", "lost_webhook_completes_on_return", lost_webhook_completes_on_return, False, False),
    ("events", "lost_webhook_completes_by_reconciliation", lost_webhook_completes_by_reconciliation, False, False),
    ("events", "refund_pending_then_failed", refund_pending_then_failed, True, True),
    ("webhooks", "dashboard_refund_recorded", dashboard_refund_recorded, True, True),
    ("webhooks", "duplicate_concurrent_webhooks_one_effect", duplicate_concurrent_webhooks_one_effect, True, False),
    ("webhooks", "other_payment_alerts_the_merchant", other_payment_alerts_the_merchant, True, False),
    ("events", "refund_in_the_orders_mode", refund_in_the_orders_mode, False, True),
    ("webhooks", "rejected_delivery_is_logged", rejected_delivery_is_logged, True, False),
    ("events", "requests_follow_provider_api", requests_follow_provider_api, False, False),
)


def run_contracts(site: Site, spec: PluginSpec, webhook_route: str) -> list[Contract]:
    results = []
    for suite, name, contract, needs_webhooks, needs_refunds in CONTRACTS:
        if (needs_webhooks and not spec.features.webhooks) or (needs_refunds and not spec.features.refunds):
            continue
        started = time.monotonic()
        try:
            ok, detail = contract(site, webhook_route)
        except Exception as exc:  # noqa: BLE001 - a contract that cannot finish fails itself, not the whole step
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        results.append(Contract(suite, name, ok, f"{detail} ({time.monotonic() - started:.1f} s)"))
    return results
