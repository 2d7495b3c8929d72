"""What the WooCommerce platform's unit tests (rendering) and integration tests (real tools) both read: the demo
spec, its variants and the plugin headers the way WordPress reads them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from forge.models.spec import PluginSpec

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "examples" / "woocommerce.yaml"


def variant(base: PluginSpec, **changes: Any) -> PluginSpec:
    # model_validate (not model_copy) so every variant is a spec the forge would really accept.
    return PluginSpec.model_validate({**base.model_dump(), **changes})


def wordpress_headers(php: str) -> dict[str, str]:
    """Plugin headers the way WordPress' get_file_data() reads them: first match of each, per line."""
    names = (
        "Plugin Name",
        "Version",
        "Text Domain",
        "License",
        "Requires PHP",
        "WC requires at least",
        "WC tested up to",
    )
    found = {}
    for name in names:
        match = re.search(rf"^[ \t/*#@]*{re.escape(name)}:(.*)$", php, re.M | re.I)
        if match:
            found[name] = match.group(1).strip()
    return found
