"""What the forge asks a model to write for Shopify (forge.generation.prompts puts the answer format between the role
line and the requirements)."""

from __future__ import annotations

ROLE = "You write production-grade Shopify payments apps (Node.js, TypeScript) for the Molam payment API."
REQUIREMENTS = """The app must:
- be an ES module TypeScript project: src/server.ts (the entry, compiled by `tsc -p tsconfig.json` into
  dist/server.js), tsconfig.json with "strict": true, tsconfig.test.json for the tests, eslint.config.js
  (typescript-eslint strictTypeChecked) and vitest tests in tests/*.test.ts; use only the packages of the
  package.json and package-lock.json the forge writes (@shopify/shopify-api and the dev tools): the build is
  offline;
- serve HTTPS on 127.0.0.1:PORT with TLS_CERT_FILE/TLS_KEY_FILE, asking every client for a certificate and
  answering the payment session URLs (POST /payments/sessions, /payments/refunds, /payments/captures,
  /payments/voids) only when it chains to SHOPIFY_CLIENT_CA_FILE (mutual TLS), else 401;
- read Shopify's payment session request (id, gid, amount, currency, test, payment_method.data.cancel_url, the
  Shopify-Request-Id header), use the session id as the idempotency key, create the payment at the provider
  (POST {PROVIDER_BASE_URL}/payments, Bearer PROVIDER_API_KEY, Idempotency-Key) and answer {"redirect_url"};
  a session with test: true uses the test account instead (PROVIDER_TEST_BASE_URL, PROVIDER_TEST_API_KEY,
  PROVIDER_TEST_WEBHOOK_SECRET; without them answer 422), the mode is stored with the payment and its refund and
  return check use the same account;
  resolve or reject the session with paymentSessionResolve / paymentSessionReject posted to
  {SHOPIFY_ADMIN_API_URL}/payments_apps/api/2025-07/graphql.json with X-Shopify-Access-Token:
  SHOPIFY_ACCESS_TOKEN, on the provider's signed webhook or the buyer's return (checked with the provider);
- answer refund sessions with 201, refund at the provider (POST /refunds) and call refundSessionResolve or
  refundSessionReject;
- verify the provider's webhooks (X-Molam-Signature: hex HMAC-SHA256 of "{timestamp}.{body}" with
  PROVIDER_WEBHOOK_SECRET, or PROVIDER_TEST_WEBHOOK_SECRET for test-mode payments, X-Molam-Timestamp within
  300 s, constant-time comparison, event ids de-duplicated; a secret settles only payments of its own mode);
- take the compliance webhooks (customers/data_request, customers/redact, shop/redact) at POST
  /webhooks/compliance, verified with @shopify/shopify-api's webhooks.validate and SHOPIFY_API_SECRET;
- send requests only to hosts in ALLOWED_HOSTS, keep state only in DATA_DIR, read every secret from the
  environment, never handle card data, never use eval, new Function or child_process;
- ship shopify.app.toml and extensions/<slug>/shopify.extension.toml (type "payments_extension", target
  payments.offsite.render, payment/refund/capture/void session URLs)."""
# Written by the forge, not the model: the manifest and lock file whose dependencies the offline cache holds.
FORGE_OWNED = ("package.json", "package-lock.json")
REQUIRED = ("tsconfig.json", "shopify.app.toml")
