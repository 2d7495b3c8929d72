"""What the forge asks a model: the requirements, the spec, and on a repair the failure to fix."""

from __future__ import annotations

import json
from dataclasses import dataclass

from forge.generation import Feedback
from forge.models.spec import PluginSpec

MAX_LOG_CHARS = 20_000
MAX_PREVIOUS_CHARS = 400_000

SYSTEM = """You write production-grade WooCommerce payment gateway plugins for the Molam payment API.
Answer ONLY with the JSON object {"files": [{"path": "...", "content": "..."}]} holding every file of the plugin.
Paths are relative POSIX paths inside the plugin folder; no hidden files, no binaries.
The plugin must:
- have a main file "<slug>.php" with complete headers (Plugin Name, Version, Requires at least, Requires PHP,
  WC requires at least, WC tested up to, License: GPL-2.0-or-later, Text Domain = slug);
- ship readme.txt in WordPress.org format, with an external-services section saying what is sent to the Molam API
  and linking its terms and privacy policy, plus uninstall.php and composer.json;
- subclass WC_Payment_Gateway, register it on woocommerce_payment_gateways, provide a settings form,
  implement process_payment() calling the API with wp_remote_post() (API key from the settings or the
  environment, never in code) and process_refund() when refunds are enabled;
- expose a REST webhook verifying an HMAC-SHA256 signature with a timestamp tolerance and ignoring replays,
  and move orders through their statuses accordingly;
- declare HPOS (custom_order_tables) and cart_checkout_blocks compatibility and include a blocks integration class;
- be translatable (text domain = slug) and escape output, sanitise input, check capabilities and nonces;
- include PHPUnit tests in tests/ (bootstrap tests/bootstrap.php, configuration phpunit.xml.dist) covering payment,
  refund, and webhook accept/reject/replay. The forge adds tests/stubs.php (stand-ins for WordPress and WooCommerce
  functions); tests/bootstrap.php must define ABSPATH, require __DIR__ . '/stubs.php' and the main file.
Every PHP file must pass `php -l` on PHP 7.4 and 8.x."""


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str

    def audit_text(self) -> str:
        """The prompt as recorded in sira_generation_audit."""
        return f"[system]\n{self.system}\n\n[user]\n{self.user}"


def _previous_files(feedback: Feedback) -> str:
    parts: list[str] = []
    size = 0
    for path in sorted(feedback.previous):
        text = feedback.previous[path].decode("utf-8", "replace")
        if size + len(text) > MAX_PREVIOUS_CHARS:
            parts.append(f"(further files omitted: over {MAX_PREVIOUS_CHARS} characters)")
            break
        size += len(text)
        parts.append(f"--- {path}\n{text}")
    return "\n".join(parts)


def build_prompt(spec: PluginSpec, feedback: Feedback | None = None) -> Prompt:
    spec_json = json.dumps(spec.model_dump(mode="json"), indent=2, sort_keys=True)
    user = f"Plugin spec (JSON):\n{spec_json}\n\nMain file: {spec.slug}.php"
    if feedback is not None:
        logs = feedback.logs[-MAX_LOG_CHARS:]
        user += (
            f"\n\nRepair attempt {feedback.attempt}: your previous plugin failed the {feedback.step} step.\n"
            f"Error: {feedback.error}\n\nLogs (tail):\n{logs}\n"
        )
        if feedback.previous:
            user += f"\nYour previous files:\n{_previous_files(feedback)}\n"
        user += "\nAnswer with the complete corrected plugin (every file, not a diff)."
    return Prompt(system=SYSTEM, user=user)
