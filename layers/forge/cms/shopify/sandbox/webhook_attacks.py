"""Webhooks that must move nothing (webhooks): a provider event signed with another secret or dated an hour back
(then the genuine result still settles), and compliance webhooks with a forged HMAC (Shopify's own are accepted)."""

from __future__ import annotations

import json
import time
import uuid

from .client import shopify_hmac
from .layout import COMPLIANCE_TOPICS
from .run import MUTATION_SECONDS, QUIET_SECONDS, Run, deliver, ok, provider_result, start_payment, webhook_path
from .sessions import SHOP


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
            "webhooks", name, not ok(refused) and moved is None, f"{refused.describe()}; resolved: {moved is not None}"
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
        run.checks.add("webhooks", f"compliance_webhook_accepted:{topic}", ok(genuine), genuine.describe())
