import { complianceWebhook } from "./compliance.js";
import type { Deps, Handled } from "./deps.js";
import { problem, type AppRequest } from "./http.js";
import { startCaptureSession, startRefundSession, startVoidSession } from "./other-sessions.js";
import { startPaymentSession } from "./payment-sessions.js";
import { providerWebhook } from "./provider-events.js";
import { returnFromProvider } from "./return-page.js";
import { WEBHOOKS_ENABLED } from "./settings.js";

type Route = (deps: Deps, request: AppRequest) => Handled | Promise<Handled>;

const ROUTES: Readonly<Record<string, Route>> = {
  "POST /payments/sessions": startPaymentSession,
  "POST /payments/refunds": startRefundSession,
  "POST /payments/captures": startCaptureSession,
  "POST /payments/voids": startVoidSession,
  // Without the provider's webhooks, the buyer's return (checked with the provider) settles the payment.
  ...(WEBHOOKS_ENABLED ? { "POST /webhooks/provider": providerWebhook } : {}),
  "POST /webhooks/compliance": complianceWebhook,
  "GET /return": returnFromProvider,
  "GET /healthz": () => ({ response: { status: 200, headers: { "content-type": "text/plain" }, body: "ok" } }),
};

/** One request in, one answer out; a failure of the provider or of Shopify is a 502, never a stack trace. */
export async function handle(deps: Deps, request: AppRequest): Promise<Handled> {
  const route = ROUTES[`${request.method} ${request.path}`];
  if (route === undefined) {
    return { response: problem(404, "not found") };
  }
  try {
    return await route(deps, request);
  } catch (error) {
    deps.log("request failed", { route: `${request.method} ${request.path}`, error: error instanceof Error ? error.message : "unknown" });
    return { response: problem(502, "upstream failure; retry later") };
  }
}
