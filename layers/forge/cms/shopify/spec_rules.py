"""Shopify's rules on the spec: the slug becomes the npm package name and the payments extension's handle
(lowercase letters, digits and hyphens, as both allow), the app takes its settings from the environment (no
merchant settings form), and Shopify refuses app names that pose as its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

HANDLE = r"^[a-z][a-z0-9-]{2,49}$"
RESERVED = ("shopify",)


def check_spec(data: Mapping[str, Any]) -> list[str]:
    problems = []
    slug = data.get("slug")
    if isinstance(slug, str):
        slug = slug.strip()
        if len(slug) > 50 or not slug[:1].isalpha():
            problems.append(
                f"slug: '{slug}' is not a Shopify extension handle: at most 50 characters, starting with a letter"
            )
        if "shopify" in slug:
            problems.append(f"slug: '{slug}' poses as Shopify's own (the App Store refuses 'shopify' in app names)")
    name = data.get("name")
    if isinstance(name, str) and "shopify" in name.lower():
        problems.append("name: the App Store refuses 'Shopify' in an app's name")
    if data.get("settings"):
        problems.append("settings: a Shopify app takes its configuration from the environment, not a settings form")
    return problems


def spec_schema() -> dict[str, Any]:
    """What the published JSON Schema adds for a Shopify spec."""
    return {
        "properties": {
            "slug": {"pattern": HANDLE, "not": {"pattern": "shopify"}},
            "name": {"not": {"pattern": "[Ss][Hh][Oo][Pp][Ii][Ff][Yy]"}},
            "settings": {"maxItems": 0},
        }
    }
