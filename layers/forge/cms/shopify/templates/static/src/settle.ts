import type { PaymentsAppsApi } from "./shopify-graphql.js";
import type { Store } from "./store.js";
import { PAYMENTS, REFUNDS, type PaymentRecord, type RefundRecord } from "./records.js";

/** Tell Shopify how a payment ended, once: a session already resolved or rejected is left as it is. */
export async function settlePayment(
  shopify: PaymentsAppsApi,
  store: Store,
  record: PaymentRecord,
  succeeded: boolean,
  message: string,
): Promise<PaymentRecord> {
  if (record.status !== "pending") {
    return record;
  }
  const checkoutUrl = succeeded
    ? await shopify.resolvePayment(record.gid)
    : await shopify.rejectPayment(record.gid, "PROCESSING_ERROR", message);
  const settled: PaymentRecord = {
    ...record,
    status: succeeded ? "resolved" : "rejected",
    ...(checkoutUrl !== undefined ? { checkoutUrl } : {}),
  };
  store.put(PAYMENTS, record.id, settled);
  return settled;
}

export async function settleRefund(
  shopify: PaymentsAppsApi,
  store: Store,
  record: RefundRecord,
  succeeded: boolean,
  message: string,
): Promise<void> {
  if (record.status !== "pending") {
    return;
  }
  if (succeeded) {
    await shopify.resolveRefund(record.gid);
  } else {
    await shopify.rejectRefund(record.gid, message);
  }
  store.put(REFUNDS, record.id, { ...record, status: succeeded ? "resolved" : "rejected" });
}
