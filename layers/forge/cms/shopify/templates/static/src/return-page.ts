import type { Deps, Handled } from "./deps.js";
import { problem, type AppRequest } from "./http.js";
import { modeOf } from "./modes.js";
import { PAYMENTS, type PaymentRecord } from "./records.js";
import { settlePayment } from "./settle.js";

function redirect(location: string): Handled {
  return { response: { status: 302, headers: { location } } };
}

/** Where the provider sends the buyer back. The payment's state is asked of the provider (never taken from the
 * query string); Shopify's answer to the resolve or reject says where the buyer goes next. */
export async function returnFromProvider(deps: Deps, request: AppRequest): Promise<Handled> {
  const id = request.query.get("session") ?? "";
  let record = deps.store.get<PaymentRecord>(PAYMENTS, id);
  if (record === undefined) {
    return { response: problem(404, "unknown payment session") };
  }
  if (record.status === "pending") {
    const provider = deps.providers[modeOf(record.test)];
    if (provider === undefined) {
      return { response: problem(409, "the payment's provider account is no longer configured") };
    }
    const payment = await provider.api.retrievePayment(record.providerPaymentId);
    if (payment.status === "succeeded" || payment.status === "failed" || payment.status === "canceled") {
      record = await settlePayment(deps.shopify, deps.store, record, payment.status === "succeeded", payment.failure_message ?? "the payment did not complete");
    }
  }
  if (record.checkoutUrl !== undefined) {
    return redirect(record.checkoutUrl);
  }
  if (record.status === "pending") {
    return { response: { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: "Your payment is being confirmed; you can close this page." } };
  }
  return redirect(record.cancelUrl);
}
