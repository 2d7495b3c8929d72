import { describe, expect, it } from "vitest";
import { handle } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { toMinorUnits } from "../src/money.js";
import { outbound } from "../src/outbound.js";
import { REFUNDS_ENABLED } from "../src/settings.js";
import {
  AMOUNT,
  CURRENCY,
  MINOR,
  SHOPIFY_HEADERS,
  defaultAnswer,
  makeApp,
  paymentSession,
  request,
  signedComplianceWebhook,
} from "./harness.js";

// A completed payment: the buyer came back and the provider says it succeeded.
async function paidSession(deps: ReturnType<typeof makeApp>["deps"]): Promise<void> {
  await handle(deps, request("POST", "/payments/sessions", paymentSession(), SHOPIFY_HEADERS));
  await handle(deps, request("GET", "/return?session=u0nwmSrNntjIWozmNslK5Tlq", "", {}, false));
}

function paidApp(): ReturnType<typeof makeApp> {
  return makeApp((s) => (s.method === "GET" ? { status: 200, body: JSON.stringify({ id: "pay_123", status: "succeeded" }) } : defaultAnswer(s)));
}

const REFUND = { id: "re-1", gid: "gid://shopify/RefundSession/re-1", payment_id: "u0nwmSrNntjIWozmNslK5Tlq", amount: AMOUNT, currency: CURRENCY, merchant_locale: "en", proposed_at: "2025-07-13T00:00:00Z" };

describe("refund session", () => {
  it.runIf(REFUNDS_ENABLED)("answers 201, refunds at the provider and resolves the refund session", async () => {
    const { deps, sent } = paidApp();
    await paidSession(deps);
    const { response, after } = await handle(deps, request("POST", "/payments/refunds", REFUND, SHOPIFY_HEADERS));
    expect(response.status).toBe(201);
    await after;
    const refund = sent.find((s) => s.url.endsWith("/refunds"));
    expect(refund?.body).toMatchObject({ payment_id: "pay_123", amount: MINOR, currency: CURRENCY });
    expect(JSON.stringify(sent.at(-1)?.body)).toContain("refundSessionResolve");
  });

  it("rejects a refund of a payment the app never completed", async () => {
    const { deps, sent } = makeApp();
    const { after } = await handle(deps, request("POST", "/payments/refunds", REFUND, SHOPIFY_HEADERS));
    await after;
    expect(sent.filter((s) => s.url.endsWith("/refunds"))).toHaveLength(0);
    expect(JSON.stringify(sent.at(-1)?.body)).toContain("refundSessionReject");
  });
});

describe("compliance webhooks", () => {
  it("accepts the three topics signed with the app's secret", async () => {
    const { deps } = makeApp();
    for (const topic of ["customers/data_request", "customers/redact", "shop/redact"]) {
      const { response } = await handle(deps, signedComplianceWebhook(topic, { shop_domain: "forge-test.myshopify.com" }));
      expect(response.status).toBe(200);
    }
  });

  it("refuses a webhook signed with another secret", async () => {
    const { deps } = makeApp();
    const { response } = await handle(deps, signedComplianceWebhook("shop/redact", { shop_domain: "x" }, "forged"));
    expect(response.status).toBe(401);
  });

  it("erases the shop's sessions on shop/redact", async () => {
    const { deps } = paidApp();
    await paidSession(deps);
    await handle(deps, signedComplianceWebhook("shop/redact", { shop_domain: "forge-test.myshopify.com" }));
    expect(deps.store.all("payments")).toHaveLength(0);
  });
});

describe("edges", () => {
  it("refuses outbound requests to hosts outside the allowlist", async () => {
    const post = outbound(new Set(["sandbox.api.molam.com"]), () => undefined);
    await expect(post(new URL("https://attacker.example/steal"), {}, "{}")).rejects.toThrow(/not in ALLOWED_HOSTS/);
  });

  it("names the missing environment variable", () => {
    expect(() => loadConfig({})).toThrow(/PORT/);
  });

  it("converts decimal amounts to minor units exactly", () => {
    expect(toMinorUnits("123.45", "EUR")).toBe(12345);
    expect(toMinorUnits("0.10", "EUR")).toBe(10);
    expect(toMinorUnits("1500", "XOF")).toBe(1500);
    expect(toMinorUnits("1500.5", "XOF")).toBeUndefined();
    expect(toMinorUnits("-1", "EUR")).toBeUndefined();
    expect(toMinorUnits("1e3", "EUR")).toBeUndefined();
  });
});
