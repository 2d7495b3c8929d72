"""WordPress.org's naming rules on the spec (the same trademark rule the Build gate's wporg.trademark applies), so a
slug or name WordPress.org refuses is refused when the spec is accepted, not after generation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from forge.cms.woocommerce.rules.plugin_check import FOR_USE_EXCEPTIONS, PORTMANTEAUS, TRADEMARKS, trademark_in
from forge.models.spec import SLUG


def _sanitize_title(name: str) -> str:
    # WordPress's sanitize_title(), as the gate applies it to the Plugin Name header.
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def check_spec(data: Mapping[str, Any]) -> list[str]:
    problems = []
    slug = data.get("slug")
    if isinstance(slug, str) and re.fullmatch(SLUG, slug.strip()) and (term := trademark_in(slug.strip())):
        problems.append(
            f"slug: '{slug.strip()}' uses the trademark '{term.strip('-')}' WordPress.org refuses; "
            "name it '<brand>-for-woocommerce'"
        )
    name = data.get("name")
    if isinstance(name, str) and (term := trademark_in(_sanitize_title(name.strip()))):
        problems.append(
            f"name: '{name.strip()}' uses the trademark '{term.strip('-')}' WordPress.org refuses; "
            "name it '<Brand> for WooCommerce'"
        )
    return problems


def _trademark_pattern() -> str:
    """The gate's trademark rule as one JSON Schema regex, for the published schema."""
    # The terms are slug characters only, so they go in unescaped: "\-" is not valid in ECMA-262 unicode regexes.
    if not all(re.fullmatch(r"[a-z0-9-]+", t) for t in (*TRADEMARKS, *PORTMANTEAUS)):
        raise ValueError("trademark terms must be slug characters")
    prefixes = [t for t in TRADEMARKS if t.endswith("-")] + list(PORTMANTEAUS)
    anywhere = [t for t in TRADEMARKS if not t.endswith("-") and t not in FOR_USE_EXCEPTIONS]
    # A for-use term may only close the slug as "-for-<term>" and appear nowhere else.
    for_use = [f"{t}(?!$)|(?<!-for-){t}$" for t in FOR_USE_EXCEPTIONS]
    return f"^(?:{'|'.join(prefixes)})|{'|'.join(anywhere + for_use)}"


def spec_schema() -> dict[str, Any]:
    """What the published JSON Schema adds for a WooCommerce spec."""
    return {"properties": {"slug": {"not": {"pattern": _trademark_pattern()}}}}
