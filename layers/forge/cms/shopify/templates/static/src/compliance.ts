import "@shopify/shopify-api/adapters/node";
import { ApiVersion, LogSeverity, shopifyApi } from "@shopify/shopify-api";
import type { ComplianceCheck, Deps, Handled } from "./deps.js";
import { json, problem, type AppRequest } from "./http.js";
import { PAYMENTS, REFUNDS, SHOPIFY_WEBHOOKS, type PaymentRecord, type RefundRecord } from "./records.js";

export const COMPLIANCE_TOPICS = ["customers/data_request", "customers/redact", "shop/redact"] as const;

/** Shopify's webhook HMAC (X-Shopify-Hmac-Sha256 over the raw body with the app's secret), checked by Shopify's
 * own library. */
export function complianceVerifier(apiKey: string, apiSecretKey: string, appUrl: URL): (request: AppRequest) => Promise<ComplianceCheck> {
  const shopify = shopifyApi({
    apiKey,
    apiSecretKey,
    apiVersion: ApiVersion.July25,
    hostName: appUrl.host,
    isEmbeddedApp: false,
    logger: { level: LogSeverity.Error },
  });
  return async (request) => {
    // The node adapter reads only the method, the URL and the headers of the request it is handed (no fetch
    // machinery is loaded for it).
    const rawRequest = { method: request.method, url: request.path, headers: { ...request.headers } };
    const result = await shopify.webhooks.validate({ rawBody: request.body.toString("utf8"), rawRequest });
    if (!result.valid) {
      return { valid: false };
    }
    return { valid: true, topic: request.headers["x-shopify-topic"] ?? "", shop: result.domain, webhookId: result.webhookId };
  };
}

/** The mandatory compliance webhooks. The app keeps no customer data (Shopify's session ids, amounts and the shop),
 * so a data request has nothing to report and a customer redaction nothing to erase; shop/redact erases the shop. */
export async function complianceWebhook(deps: Deps, request: AppRequest): Promise<Handled> {
  const check = await deps.verifyCompliance(request);
  if (!check.valid) {
    deps.log("compliance webhook refused");
    return { response: problem(401, "invalid webhook signature") };
  }
  const topic = check.topic ?? "";
  if (!(COMPLIANCE_TOPICS as readonly string[]).includes(topic)) {
    return { response: problem(400, "not a compliance topic") };
  }
  if (check.webhookId !== undefined && !deps.store.claim(SHOPIFY_WEBHOOKS, check.webhookId)) {
    return { response: json(200, { received: true, duplicate: true }) };
  }
  if (topic === "shop/redact") {
    for (const record of deps.store.all<PaymentRecord>(PAYMENTS).filter((r) => r.shop === check.shop)) {
      deps.store.remove(PAYMENTS, record.id);
    }
    for (const record of deps.store.all<RefundRecord>(REFUNDS).filter((r) => r.shop === check.shop)) {
      deps.store.remove(REFUNDS, record.id);
    }
  }
  deps.log("compliance webhook handled", { topic });
  return { response: json(200, { received: true }) };
}
