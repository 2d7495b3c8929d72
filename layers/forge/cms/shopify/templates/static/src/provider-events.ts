import type { Deps, Handled, ProviderMode } from "./deps.js";
import { json, parseJson, problem, type AppRequest } from "./http.js";
import { providerKey, type Mode } from "./modes.js";
import { toMinorUnits } from "./money.js";
import { verifyProviderSignature } from "./provider-webhook.js";
import {
  PAYMENTS,
  PROVIDER_EVENTS,
  PROVIDER_PAYMENTS,
  PROVIDER_REFUNDS,
  REFUNDS,
  type PaymentRecord,
  type RefundRecord,
} from "./records.js";
import { PROVIDER } from "./settings.js";
import { settlePayment, settleRefund } from "./settle.js";

interface ProviderEvent {
  id: string;
  type: string;
  data: { id?: string; amount?: number; currency?: string; failure_message?: string | null };
}

async function onPayment(deps: Deps, mode: Mode, event: ProviderEvent): Promise<void> {
  const link = deps.store.get<{ sessionId: string }>(PROVIDER_PAYMENTS, providerKey(mode, event.data.id ?? ""));
  const record = link === undefined ? undefined : deps.store.get<PaymentRecord>(PAYMENTS, link.sessionId);
  if (record === undefined) {
    deps.log("provider event for an unknown payment of this mode", { event: event.id, mode });
    return;
  }
  const paid = toMinorUnits(record.amount, record.currency);
  const matches = event.data.amount === paid && event.data.currency === record.currency;
  if (event.type === "payment.succeeded" && !matches) {
    deps.log("provider event amount differs from the session's; rejecting", { event: event.id });
  }
  const succeeded = event.type === "payment.succeeded" && matches;
  await settlePayment(deps.shopify, deps.store, record, succeeded, event.data.failure_message ?? "the payment did not complete");
}

async function onRefund(deps: Deps, mode: Mode, event: ProviderEvent): Promise<void> {
  const link = deps.store.get<{ refundId: string }>(PROVIDER_REFUNDS, providerKey(mode, event.data.id ?? ""));
  const record = link === undefined ? undefined : deps.store.get<RefundRecord>(REFUNDS, link.refundId);
  if (record !== undefined) {
    await settleRefund(deps.shopify, deps.store, record, event.type === "refund.succeeded", event.data.failure_message ?? "the refund failed");
  }
}

/** The mode whose webhook secret signed the request, or why none did. The mode then limits the event to the
 * objects created in that mode: the test secret cannot settle a live payment. */
function signedMode(deps: Deps, request: AppRequest): { mode: Mode } | { reason: string } {
  let reason = "no provider account";
  for (const [mode, account] of Object.entries(deps.providers) as [Mode, ProviderMode | undefined][]) {
    if (account === undefined) {
      continue;
    }
    const verdict = verifyProviderSignature(
      account.webhookSecret,
      request.body,
      request.headers[PROVIDER.signatureHeader],
      request.headers[PROVIDER.timestampHeader],
      deps.nowSeconds(),
    );
    if (verdict.ok) {
      return { mode };
    }
    reason = verdict.reason;
  }
  return { reason };
}

/** The provider's webhooks: signed (HMAC with timestamp, replay window) with the secret of a mode, each event
 * acted on once, and only on that mode's objects. */
export async function providerWebhook(deps: Deps, request: AppRequest): Promise<Handled> {
  const signed = signedMode(deps, request);
  if ("reason" in signed) {
    deps.log("provider webhook refused", { reason: signed.reason });
    return { response: problem(401, "invalid signature") };
  }
  const { mode } = signed;
  const event = parseJson(request.body) as ProviderEvent | undefined;
  if (event === undefined || typeof event.id !== "string" || !/^evt_[A-Za-z0-9]{1,64}$/.test(event.id) || typeof event.data !== "object") {
    return { response: problem(400, "not a provider event") };
  }
  const eventKey = providerKey(mode, event.id);
  if (deps.store.get(PROVIDER_EVENTS, eventKey) !== undefined) {
    return { response: json(200, { received: true, duplicate: true }) };
  }
  if (event.type.startsWith("payment.")) {
    await onPayment(deps, mode, event);
  } else if (event.type.startsWith("refund.")) {
    await onRefund(deps, mode, event);
  }
  // Marked only once acted on: a failure answers 500 and the provider's retry tries again.
  deps.store.put(PROVIDER_EVENTS, eventKey, { type: event.type, at: deps.nowSeconds() });
  return { response: json(200, { received: true }) };
}
