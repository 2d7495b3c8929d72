"""What the forge asks a model to write for PrestaShop (forge.generation.prompts puts the answer format between the
role line and the requirements)."""

from __future__ import annotations

ROLE = "You write production-grade PrestaShop payment modules for the Molam payment API."
REQUIREMENTS = """The module must:
- have a main file "<slug>.php" declaring the class ucfirst(<slug>) extending PaymentModule, with name, tab
  payments_gateways, version, author, ps_versions_compliancy, need_instance 0, bootstrap true, and install() /
  uninstall() that register and remove its hooks (paymentOptions, displayPaymentReturn, actionOrderSlipAdd),
  configuration values and order state;
- return a PrestaShop\\PrestaShop\\Core\\Payment\\PaymentOption from hookPaymentOptions redirecting to its front
  controller controllers/front/redirect.php, validate the return in controllers/front/validation.php (cart,
  customer, secure key, amount and currency against the provider's payment; validateOrder exactly once) and take
  webhooks in controllers/front/webhook.php (HMAC-SHA256 of "{timestamp}.{body}" with a timestamp tolerance,
  event ids de-duplicated, idempotent state changes);
- refund through the provider API (hookActionOrderSlipAdd), call the API with Tools::file_get_contents and a stream
  context (API keys from Configuration, never in code);
- store test and live credentials with Configuration in an admin HelperForm (getContent), never echo secrets back;
- start every PHP file with the license header and `if (!defined('_PS_VERSION_')) { exit; }`, escape every Smarty
  variable (|escape:'htmlall':'UTF-8'), translate with $this->l(), ship config.xml, composer.json (PSR-4 autoload
  of src/), an index.php guard in every folder;
- include PHPUnit tests in tests/ (bootstrap tests/bootstrap.php, configuration phpunit.xml.dist). The forge adds
  tests/prestashop-standin.php and logo.png; tests/bootstrap.php must require the stand-in and the main file.
Every PHP file must pass `php -l` on PHP 7.4 and 8.x."""
# Written by the forge, not the model: the PrestaShop stand-in the tests and sandbox share, and the logo (binary).
FORGE_OWNED = ("tests/prestashop-standin.php", "logo.png")
REQUIRED = ("config.xml",)
