import { describe, expect, it } from "vitest";
import { handle } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { REFUNDS_ENABLED, WEBHOOKS_ENABLED } from "../src/settings.js";
import {
  AMOUNT,
  CURRENCY,
  LIVE_BASE,
  LIVE_PROVIDER_SECRET,
  MINOR,
  PROVIDER_SECRET,
  SHOPIFY_HEADERS,
  TEST_BASE,
  defaultAnswer,
  makeApp,
  paymentSession,
  request,
  signedProviderEvent,
} from "./harness.js";

const START = "/payments/sessions";

function session(id: string, test: boolean): ReturnType<typeof request> {
  return request("POST", START, paymentSession(id, AMOUNT, CURRENCY, test), SHOPIFY_HEADERS);
}

function succeeded(id: string): Record<string, unknown> {
  return { id, type: "payment.succeeded", created: 1, livemode: true, data: { id: "pay_123", amount: MINOR, currency: CURRENCY, status: "succeeded" } };
}

function graphqlCalls(sent: { url: string }[]): number {
  return sent.filter((s) => s.url.endsWith("/graphql.json")).length;
}

describe("Shopify's test flag picks the provider account", () => {
  it("sends a test session to the sandbox API with the test key, a live one to the live API with the live key", async () => {
    const { deps, sent } = makeApp();
    expect((await handle(deps, session("testSession", true))).response.status).toBe(200);
    expect((await handle(deps, session("liveSession", false))).response.status).toBe(200);
    expect(sent.map((s) => [s.url, s.headers["authorization"]])).toEqual([
      [`${TEST_BASE}/payments`, "Bearer mk_test_key"],
      [`${LIVE_BASE}/payments`, "Bearer mk_live_key"],
    ]);
  });

  it("refuses a test session when the deployment has no test account, sending nothing", async () => {
    const { deps, sent } = makeApp(defaultAnswer, false);
    expect((await handle(deps, session("testSession", true))).response.status).toBe(422);
    expect(sent).toHaveLength(0);
  });

  it("asks the payment's own account on the buyer's return", async () => {
    const { deps, sent } = makeApp((s) => (s.method === "GET" ? { status: 200, body: JSON.stringify({ id: "pay_123", status: "succeeded" }) } : defaultAnswer(s)));
    await handle(deps, session("liveSession", false));
    await handle(deps, request("GET", "/return?session=liveSession", "", {}, false));
    expect(sent.find((s) => s.method === "GET")?.url).toBe(`${LIVE_BASE}/payments/pay_123`);
  });

  it.runIf(REFUNDS_ENABLED)("refunds a live payment at the live API with the live key", async () => {
    const { deps, sent } = makeApp((s) => (s.method === "GET" ? { status: 200, body: JSON.stringify({ id: "pay_123", status: "succeeded" }) } : defaultAnswer(s)));
    await handle(deps, session("liveSession", false));
    await handle(deps, request("GET", "/return?session=liveSession", "", {}, false));
    const refund = { id: "re-live", gid: "gid://shopify/RefundSession/re-live", payment_id: "liveSession", amount: AMOUNT, currency: CURRENCY };
    await (await handle(deps, request("POST", "/payments/refunds", refund, SHOPIFY_HEADERS))).after;
    const sentRefund = sent.find((s) => s.url.endsWith("/refunds"));
    expect([sentRefund?.url, sentRefund?.headers["authorization"]]).toEqual([`${LIVE_BASE}/refunds`, "Bearer mk_live_key"]);
  });

  it.runIf(WEBHOOKS_ENABLED)("settles a live payment only on an event signed with the live secret", async () => {
    const { deps, sent } = makeApp();
    await handle(deps, session("liveSession", false));
    // Authentic for the test account, but the payment is live: acknowledged, nothing moves.
    expect((await handle(deps, signedProviderEvent(succeeded("evt_t"), undefined, PROVIDER_SECRET))).response.status).toBe(200);
    expect(graphqlCalls(sent)).toBe(0);
    expect((await handle(deps, signedProviderEvent(succeeded("evt_l"), undefined, LIVE_PROVIDER_SECRET))).response.status).toBe(200);
    expect(graphqlCalls(sent)).toBe(1);
  });
});

describe("provider accounts in the environment", () => {
  const base = {
    PORT: "8443",
    TLS_CERT_FILE: "c",
    TLS_KEY_FILE: "k",
    SHOPIFY_CLIENT_CA_FILE: "ca",
    SHOPIFY_ADMIN_API_URL: "https://shop.example.test",
    SHOPIFY_ACCESS_TOKEN: "t",
    SHOPIFY_API_SECRET: "s",
    PROVIDER_BASE_URL: LIVE_BASE,
    PROVIDER_API_KEY: "mk_live_key",
    PROVIDER_WEBHOOK_SECRET: "whsec_live",
    ALLOWED_HOSTS: "api.molam.com",
    DATA_DIR: "/tmp/x",
  };
  const read = (): Buffer => Buffer.from("pem");

  it("has only the live account when no test name is set", () => {
    const config = loadConfig(base, read);
    expect(config.providers.live.baseUrl.toString()).toBe(LIVE_BASE);
    expect(config.providers.test).toBeUndefined();
  });

  it("reads the test account, and names a missing part of it", () => {
    const full = { ...base, PROVIDER_TEST_BASE_URL: TEST_BASE, PROVIDER_TEST_API_KEY: "mk_test_key", PROVIDER_TEST_WEBHOOK_SECRET: "whsec_test" };
    expect(loadConfig(full, read).providers.test?.apiKey).toBe("mk_test_key");
    expect(() => loadConfig({ ...full, PROVIDER_TEST_WEBHOOK_SECRET: "" }, read)).toThrow(/PROVIDER_TEST_WEBHOOK_SECRET/);
    expect(() => loadConfig({ ...full, PROVIDER_TEST_API_KEY: "mk_live_key" }, read)).toThrow(/must differ/);
  });
});
