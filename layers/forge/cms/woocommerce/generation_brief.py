"""What the forge asks a model to write for WooCommerce (forge.generation.prompts puts the answer format between the
role line and the requirements)."""

from __future__ import annotations

ROLE = "You write production-grade WooCommerce payment gateway plugins for the Molam payment API."
REQUIREMENTS = """The plugin must:
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
# Written by the forge, not the model: the WordPress/WooCommerce stand-ins the tests and sandbox share.
FORGE_OWNED = ("tests/stubs.php",)
REQUIRED = ("readme.txt",)
