import { describe, expect, it } from "vitest";
import { handle } from "../src/app.js";
import { WEBHOOKS_ENABLED } from "../src/settings.js";
import {
  CURRENCY,
  MINOR,
  OTHER_CURRENCY,
  SHOPIFY_HEADERS,
  defaultAnswer,
  makeApp,
  paymentSession,
  request,
  signedProviderEvent,
} from "./harness.js";

const START = "/payments/sessions";

function mutations(sent: { url: string; body: unknown }[]): string[] {
  return sent
    .filter((s) => s.url.endsWith("/graphql.json"))
    .map((s) => /\{\s*(\w+)\(/.exec((s.body as { query: string }).query)?.[1] ?? "");
}

describe("payment session", () => {
  it("refuses a client without Shopify's certificate", async () => {
    const { deps, sent } = makeApp();
    const { response } = await handle(deps, request("POST", START, paymentSession(), SHOPIFY_HEADERS, false));
    expect(response.status).toBe(401);
    expect(sent).toHaveLength(0);
  });

  it("creates the provider payment and answers redirect_url", async () => {
    const { deps, sent } = makeApp();
    const { response } = await handle(deps, request("POST", START, paymentSession(), SHOPIFY_HEADERS));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body ?? "{}")).toEqual({ redirect_url: "https://pay.molam.test/pay_123" });
    expect(sent).toHaveLength(1);
    const created = sent[0];
    expect(created?.url).toBe("https://sandbox.api.molam.com/v1/payments");
    expect(created?.headers["Idempotency-Key"]).toMatch(/^shopify-payment-[0-9a-f]{48}$/);
    expect(created?.body).toMatchObject({ amount: MINOR, currency: CURRENCY });
  });

  it("answers a retried session with the first answer and no second payment", async () => {
    const { deps, sent } = makeApp();
    await handle(deps, request("POST", START, paymentSession(), SHOPIFY_HEADERS));
    const { response } = await handle(deps, request("POST", START, paymentSession(), SHOPIFY_HEADERS));
    expect(response.status).toBe(200);
    expect(sent).toHaveLength(1);
  });

  it("refuses missing Shopify headers, bad bodies and currencies the app was not built for", async () => {
    const { deps } = makeApp();
    expect((await handle(deps, request("POST", START, paymentSession(), {}))).response.status).toBe(400);
    expect((await handle(deps, request("POST", START, "not json", SHOPIFY_HEADERS))).response.status).toBe(400);
    expect((await handle(deps, request("POST", START, paymentSession("a", "1.2345"), SHOPIFY_HEADERS))).response.status).toBe(400);
    expect((await handle(deps, request("POST", START, paymentSession("b", "10", OTHER_CURRENCY), SHOPIFY_HEADERS))).response.status).toBe(422);
  });

  it.runIf(WEBHOOKS_ENABLED)("resolves the session once on payment.succeeded, even when the event is delivered twice", async () => {
    const { deps, sent } = makeApp();
    await handle(deps, request("POST", START, paymentSession(), SHOPIFY_HEADERS));
    const event = { id: "evt_1", type: "payment.succeeded", created: 1, livemode: false, data: { id: "pay_123", amount: MINOR, currency: CURRENCY, status: "succeeded" } };
    expect((await handle(deps, signedProviderEvent(event))).response.status).toBe(200);
    expect((await handle(deps, signedProviderEvent(event))).response.status).toBe(200);
    expect(mutations(sent)).toEqual(["paymentSessionResolve"]);
    const resolve = sent.find((s) => s.url.endsWith("/graphql.json"));
    expect(resolve?.url).toBe("https://shop.example.test/payments_apps/api/2025-07/graphql.json");
    expect(resolve?.headers["x-shopify-access-token"]).toBe("shpat_token");
  });

  it.runIf(WEBHOOKS_ENABLED)("rejects the session when the provider reports another amount", async () => {
    const { deps, sent } = makeApp();
    await handle(deps, request("POST", START, paymentSession(), SHOPIFY_HEADERS));
    const event = { id: "evt_2", type: "payment.succeeded", created: 1, livemode: false, data: { id: "pay_123", amount: 1, currency: CURRENCY } };
    await handle(deps, signedProviderEvent(event));
    expect(mutations(sent)).toEqual(["paymentSessionReject"]);
  });

  it.runIf(WEBHOOKS_ENABLED)("refuses a forged, a stale and an unsigned provider webhook", async () => {
    const { deps, sent } = makeApp();
    const event = { id: "evt_3", type: "payment.succeeded", created: 1, livemode: false, data: { id: "pay_123" } };
    expect((await handle(deps, signedProviderEvent(event, undefined, "whsec_wrong"))).response.status).toBe(401);
    expect((await handle(deps, signedProviderEvent(event, 1_700_000_000))).response.status).toBe(401);
    expect((await handle(deps, request("POST", "/webhooks/provider", event, {}, false))).response.status).toBe(401);
    expect(sent).toHaveLength(0);
  });

  it("resolves on the buyer's return only with the provider's word", async () => {
    const { deps, sent } = makeApp((s) =>
      s.method === "GET" ? { status: 200, body: JSON.stringify({ id: "pay_123", status: "succeeded" }) } : defaultAnswer(s),
    );
    await handle(deps, request("POST", START, paymentSession(), SHOPIFY_HEADERS));
    const back = await handle(deps, request("GET", "/return?session=u0nwmSrNntjIWozmNslK5Tlq&status=succeeded", "", {}, false));
    expect(sent.map((s) => s.method)).toEqual(["POST", "GET", "POST"]);
    expect(back.response.status).toBe(302);
    expect(back.response.headers?.["location"]).toBe("https://shop.example.test/checkout/done");
  });
});
