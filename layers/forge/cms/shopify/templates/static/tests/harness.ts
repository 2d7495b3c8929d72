import { createHmac } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { complianceVerifier } from "../src/compliance.js";
import type { Deps } from "../src/deps.js";
import type { AppRequest } from "../src/http.js";
import type { OutboundResponse, Post } from "../src/outbound.js";
import { Provider } from "../src/provider.js";
import { CURRENCIES, MINOR_UNIT_EXPONENTS } from "../src/settings.js";
import { PaymentsAppsApi } from "../src/shopify-graphql.js";
import { Store } from "../src/store.js";

export const SHOPIFY_SECRET = "shpss_test_secret";
export const PROVIDER_SECRET = "whsec_test_secret";
export const LIVE_PROVIDER_SECRET = "whsec_live_secret";
export const TEST_BASE = "https://sandbox.api.molam.com/v1";
export const LIVE_BASE = "https://api.molam.com/v1";
export const NOW = 1_750_000_000;
// The app's first currency, and 1500 of its minor units as Shopify writes the amount.
export const CURRENCY = CURRENCIES[0] ?? "XOF";
const EXPONENT = MINOR_UNIT_EXPONENTS[CURRENCY] ?? 2;
export const AMOUNT = (1500 / 10 ** EXPONENT).toFixed(EXPONENT);
export const MINOR = 1500;
export const OTHER_CURRENCY = ["JPY", "XOF", "EUR", "USD"].find((code) => !CURRENCIES.includes(code)) ?? "ZZZ";

export interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** The app wired to a recording network: the provider and Shopify answer as the test says. Both provider accounts
 * are configured unless `testAccount` is false (a deployment without the provider's test account). */
export function makeApp(answer: (sent: Sent) => OutboundResponse = defaultAnswer, testAccount = true): { deps: Deps; sent: Sent[] } {
  const sent: Sent[] = [];
  const post: Post = (url, headers, body, method = "POST") => {
    const record = { url: url.toString(), method, headers, body: body === undefined ? undefined : (JSON.parse(body) as unknown) };
    sent.push(record);
    return Promise.resolve(answer(record));
  };
  const appUrl = new URL("https://app.example.test");
  const deps: Deps = {
    store: new Store(mkdtempSync(join(tmpdir(), "app-test-"))),
    providers: {
      live: { api: new Provider(new URL(LIVE_BASE), "mk_live_key", post), webhookSecret: LIVE_PROVIDER_SECRET },
      ...(testAccount ? { test: { api: new Provider(new URL(TEST_BASE), "mk_test_key", post), webhookSecret: PROVIDER_SECRET } } : {}),
    },
    shopify: new PaymentsAppsApi(new URL("https://shop.example.test"), "shpat_token", post),
    appUrl,
    verifyCompliance: complianceVerifier("client-id", SHOPIFY_SECRET, appUrl),
    nowSeconds: () => NOW,
    log: () => undefined,
  };
  return { deps, sent };
}

function graphqlAnswer(field: string): OutboundResponse {
  const session = { id: "gid://shopify/PaymentSession/1", nextAction: { action: "REDIRECT", context: { redirectUrl: "https://shop.example.test/checkout/done" } } };
  return { status: 200, body: JSON.stringify({ data: { [field]: { paymentSession: session, userErrors: [] } } }) };
}

export function defaultAnswer(sent: Sent): OutboundResponse {
  if (sent.url.endsWith("/graphql.json")) {
    const query = (sent.body as { query: string }).query;
    const field = /\{\s*(\w+)\(/.exec(query)?.[1] ?? "";
    return graphqlAnswer(field);
  }
  if (sent.url.endsWith("/payments")) {
    return { status: 201, body: JSON.stringify({ id: "pay_123", object: "payment", status: "requires_action", redirect_url: "https://pay.molam.test/pay_123" }) };
  }
  if (sent.url.endsWith("/refunds")) {
    return { status: 201, body: JSON.stringify({ id: "re_9", object: "refund", status: "succeeded" }) };
  }
  return { status: 404, body: "{}" };
}

export function request(method: string, path: string, body: unknown, headers: Record<string, string> = {}, verified = true): AppRequest {
  const url = new URL(path, "https://app.example.test");
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    headers: { "content-type": "application/json", ...headers },
    body: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
    clientCertificateVerified: verified,
  };
}

export const SHOPIFY_HEADERS = {
  "shopify-shop-domain": "forge-test.myshopify.com",
  "shopify-request-id": "94169f7e-ac8d-4ef4-9fd2-90f0791daddf",
  "shopify-api-version": "2025-07",
};

export function paymentSession(id = "u0nwmSrNntjIWozmNslK5Tlq", amount = AMOUNT, currency = CURRENCY, test = true): Record<string, unknown> {
  return {
    id,
    gid: `gid://shopify/PaymentSession/${id}`,
    group: "group",
    amount,
    currency,
    test,
    kind: "sale",
    merchant_locale: "en",
    payment_method: { type: "offsite", data: { cancel_url: "https://forge-test.myshopify.com/checkouts/1" } },
    proposed_at: "2025-07-13T00:00:00Z",
    customer: { email: "buyer@example.com", locale: "fr" },
  };
}

export function signedProviderEvent(event: unknown, timestamp = NOW, secret = PROVIDER_SECRET): AppRequest {
  const body = JSON.stringify(event);
  const signature = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return request("POST", "/webhooks/provider", body, { "x-molam-signature": signature, "x-molam-timestamp": String(timestamp) }, false);
}

export function signedComplianceWebhook(topic: string, payload: unknown, secret = SHOPIFY_SECRET): AppRequest {
  const body = JSON.stringify(payload);
  const hmac = createHmac("sha256", secret).update(body).digest("base64");
  return request(
    "POST",
    "/webhooks/compliance",
    body,
    {
      "x-shopify-hmac-sha256": hmac,
      "x-shopify-topic": topic,
      "x-shopify-shop-domain": "forge-test.myshopify.com",
      "x-shopify-api-version": "2025-07",
      "x-shopify-webhook-id": `wh-${topic}`,
    },
    false,
  );
}
