"""PrestaShop's rules on the spec: the slug is the module's technical name, so its folder, its main file and (with
a capital) its class: lowercase letters and digits, starting with a letter. PrestaShop Addons refuses names that
pose as PrestaShop's own modules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MODULE_NAME = r"^[a-z][a-z0-9]{2,59}$"
RESERVED = ("prestashop", "ps")


def check_spec(data: Mapping[str, Any]) -> list[str]:
    slug = data.get("slug")
    if not isinstance(slug, str):
        return []
    slug = slug.strip()
    if not re.fullmatch(MODULE_NAME, slug):
        return [
            f"slug: '{slug}' is not a PrestaShop module name: lowercase letters and digits only, starting with a "
            "letter (no hyphens: the name is also the module's PHP class)"
        ]
    if "prestashop" in slug or slug.startswith("ps"):
        return [f"slug: '{slug}' poses as a PrestaShop module (PrestaShop Addons refuses 'prestashop' and 'ps...')"]
    return []


def spec_schema() -> dict[str, Any]:
    """What the published JSON Schema adds for a PrestaShop spec."""
    return {
        "properties": {
            "slug": {"pattern": MODULE_NAME, "not": {"pattern": "prestashop|^ps"}},
        }
    }
