"""Where the app listens, read from its own configuration as Shopify reads it: the session URLs from the payments
extension's shopify.extension.toml, the compliance webhooks' URI from shopify.app.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SESSION_KEYS = ("payment_session_url", "refund_session_url", "capture_session_url", "void_session_url")
COMPLIANCE_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")


@dataclass(frozen=True)
class AppLayout:
    sessions: dict[str, str]
    compliance: dict[str, str]
    problems: list[str]


def _path(url: str) -> str:
    return urlsplit(url).path or "/"


def _find_sessions(data: Any, found: dict[str, str]) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if key in SESSION_KEYS and isinstance(value, str):
                found.setdefault(key, _path(value))
            else:
                _find_sessions(value, found)
    elif isinstance(data, list):
        for item in data:
            _find_sessions(item, found)


def _compliance(app_toml: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    webhooks = app_toml.get("webhooks")
    subscriptions = webhooks.get("subscriptions", []) if isinstance(webhooks, dict) else []
    for subscription in subscriptions if isinstance(subscriptions, list) else []:
        if not isinstance(subscription, dict):
            continue
        topics = subscription.get("compliance_topics") or []
        for topic in topics if isinstance(topics, list) else []:
            found.setdefault(str(topic), _path(str(subscription.get("uri", ""))))
    return found


def read_layout(app: Path) -> AppLayout:
    problems: list[str] = []
    sessions: dict[str, str] = {}
    for extension in sorted(app.glob("extensions/*/shopify.extension.toml")):
        _find_sessions(tomllib.loads(extension.read_text("utf-8")), sessions)
    if not sessions:
        problems.append("no extensions/*/shopify.extension.toml names a payment_session_url")
    compliance: dict[str, str] = {}
    if (app / "shopify.app.toml").is_file():
        compliance = _compliance(tomllib.loads((app / "shopify.app.toml").read_text("utf-8")))
    missing = [t for t in COMPLIANCE_TOPICS if t not in compliance]
    if missing:
        problems.append(f"shopify.app.toml subscribes no URI to the compliance topics {', '.join(missing)}")
    return AppLayout(sessions, compliance, problems)
