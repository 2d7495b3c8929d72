import type { Deps, Handled } from "./deps.js";
import { parseJson, problem, text, type AppRequest } from "./http.js";
import { modeOf, providerKey } from "./modes.js";
import { toMinorUnits } from "./money.js";
import { idempotencyKey, sessionRequestProblem } from "./payment-sessions.js";
import { PAYMENTS, PROVIDER_REFUNDS, REFUNDS, type PaymentRecord, type RefundRecord } from "./records.js";
import { REFUNDS_ENABLED } from "./settings.js";
import { settleRefund } from "./settle.js";

const CREATED: Handled["response"] = { status: 201 };

interface SessionBody {
  id: string;
  gid: string;
  paymentId: string;
  amount: string;
  currency: string;
}

function readSession(request: AppRequest, kind: string): SessionBody | Handled {
  const refused = sessionRequestProblem(request);
  if (refused !== undefined) {
    return refused;
  }
  const body = parseJson(request.body);
  const id = text(body?.["id"], 255);
  const gid = text(body?.["gid"], 300);
  const paymentId = text(body?.["payment_id"], 255);
  const amount = text(body?.["amount"], 32) ?? "0";
  const currency = text(body?.["currency"], 3) ?? "";
  if (id === undefined || gid === undefined || paymentId === undefined || !gid.startsWith(`gid://shopify/${kind}/`)) {
    return { response: problem(400, `id, gid (gid://shopify/${kind}/...) and payment_id are required`) };
  }
  return { id, gid, paymentId, amount, currency };
}

function isHandled(value: SessionBody | Handled): value is Handled {
  return "response" in value;
}

async function refund(deps: Deps, record: RefundRecord, payment: PaymentRecord | undefined): Promise<void> {
  const minor = toMinorUnits(record.amount, record.currency);
  // The refund goes to the account the payment was made in: a test payment is unknown to the live API.
  const mode = payment === undefined ? undefined : modeOf(payment.test);
  const provider = mode === undefined ? undefined : deps.providers[mode];
  if (!REFUNDS_ENABLED || payment === undefined || mode === undefined || provider === undefined || payment.status !== "resolved" || minor === undefined || payment.currency !== record.currency) {
    const why = REFUNDS_ENABLED ? "the payment was not completed with this app in that currency" : "refunds are not enabled";
    await settleRefund(deps.shopify, deps.store, record, false, why);
    return;
  }
  const answer = await provider.api.createRefund({
    paymentId: payment.providerPaymentId,
    amount: minor,
    currency: record.currency,
    orderId: idempotencyKey("order", payment.id).slice(0, 64),
    idempotencyKey: idempotencyKey("refund", record.id),
  });
  const tracked = { ...record, providerRefundId: answer.id };
  deps.store.put(REFUNDS, record.id, tracked);
  deps.store.put(PROVIDER_REFUNDS, providerKey(mode, answer.id), { refundId: record.id });
  if (answer.status !== "pending") {
    await settleRefund(deps.shopify, deps.store, tracked, answer.status === "succeeded", answer.failure_message ?? "refused by the provider");
  }
}

/** Shopify's refund session: 201 at once, then refundSessionResolve or refundSessionReject (at once when the
 * provider answers finally, else on its refund webhook). The refund id is the idempotency key. */
export function startRefundSession(deps: Deps, request: AppRequest): Handled {
  const session = readSession(request, "RefundSession");
  if (isHandled(session)) {
    return session;
  }
  if (deps.store.get<RefundRecord>(REFUNDS, session.id) !== undefined) {
    return { response: CREATED };
  }
  const payment = deps.store.get<PaymentRecord>(PAYMENTS, session.paymentId);
  const record: RefundRecord = { ...session, shop: request.headers["shopify-shop-domain"] ?? "", status: "pending" };
  deps.store.put(REFUNDS, session.id, record);
  return { response: CREATED, after: refund(deps, record, payment) };
}

/** Offsite payments are sales: the money was taken when the payment succeeded, so a capture of a resolved payment
 * is resolved and any other is rejected. */
export function startCaptureSession(deps: Deps, request: AppRequest): Handled {
  const session = readSession(request, "CaptureSession");
  if (isHandled(session)) {
    return session;
  }
  const payment = deps.store.get<PaymentRecord>(PAYMENTS, session.paymentId);
  const after =
    payment?.status === "resolved"
      ? deps.shopify.resolveCapture(session.gid)
      : deps.shopify.rejectCapture(session.gid, "no completed payment to capture");
  return { response: CREATED, after };
}

/** A completed offsite sale cannot be voided at the provider (it has no void): the merchant refunds instead. */
export function startVoidSession(deps: Deps, request: AppRequest): Handled {
  const session = readSession(request, "VoidSession");
  if (isHandled(session)) {
    return session;
  }
  return { response: CREATED, after: deps.shopify.rejectVoid(session.gid, "the provider cannot void a sale; refund it") };
}
