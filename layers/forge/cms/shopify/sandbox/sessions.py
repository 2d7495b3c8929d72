"""What Shopify sends to the payments app's session URLs, as its payments-app request reference documents it."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

SHOP = "forge-standin.myshopify.com"
API_VERSION = "2025-07"
CANCEL_URL = "https://forge-standin.myshopify.com/checkouts/standin/cancel"


@dataclass(frozen=True)
class Session:
    id: str
    gid: str
    path: str
    body: bytes
    headers: dict[str, str]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _headers(request_id: str | None = None) -> dict[str, str]:
    return {
        "Shopify-Shop-Domain": SHOP,
        "Shopify-Request-Id": request_id or str(uuid.uuid4()),
        "Shopify-Api-Version": API_VERSION,
    }


def decimal_amount(minor: int, exponent: int) -> str:
    """Shopify's amounts are decimal strings in the currency's unit: 1234 minor units of EUR are "12.34"."""
    if exponent == 0:
        return str(minor)
    return f"{minor // 10**exponent}.{minor % 10**exponent:0{exponent}d}"


def payment_session(path: str, minor: int, exponent: int, currency: str, test: bool = True) -> Session:
    """A payment session; `test` is Shopify's flag for a test-mode checkout (the provider's test account)."""
    session_id = "standin" + secrets.token_hex(8)
    gid = f"gid://shopify/PaymentSession/{session_id}"
    body = {
        "id": session_id,
        "gid": gid,
        "group": secrets.token_urlsafe(16),
        "session_id": secrets.token_urlsafe(16),
        "amount": decimal_amount(minor, exponent),
        "currency": currency,
        "test": test,
        "merchant_locale": "en",
        "payment_method": {"type": "offsite", "data": {"cancel_url": CANCEL_URL}},
        "proposed_at": _now(),
        "customer": {
            "email": "buyer@example.com",
            "phone_number": "5555555555",
            "locale": "en",
            "billing_address": {
                "given_name": "Ada",
                "family_name": "Standin",
                "line1": "1 Test Street",
                "line2": "",
                "city": "Dakar",
                "postal_code": "10000",
                "province": "",
                "country_code": "SN",
                "company": "",
            },
        },
        "kind": "sale",
    }
    return Session(session_id, gid, path, json.dumps(body).encode(), _headers())


def follow_up_session(
    kind: str, path: str, payment_id: str, amount: str | None, currency: str, test: bool = True
) -> Session:
    """A refund, capture or void session (kind "Refund", "Capture", "Void") on an earlier payment session (`test`:
    its mode); a void carries no amount."""
    session_id = f"standin{kind.lower()}" + secrets.token_hex(8)
    gid = f"gid://shopify/{kind}Session/{session_id}"
    body: dict[str, object] = {"id": session_id, "gid": gid, "payment_id": payment_id, "test": test}
    if amount is not None:
        body |= {"amount": amount, "currency": currency}
    body |= {"merchant_locale": "en", "proposed_at": _now()}
    return Session(session_id, gid, path, json.dumps(body).encode(), _headers())


def refund_session(path: str, payment_id: str, minor: int, exponent: int, currency: str, test: bool = True) -> Session:
    return follow_up_session("Refund", path, payment_id, decimal_amount(minor, exponent), currency, test)
