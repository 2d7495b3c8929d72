import { createHash } from "node:crypto";
import type { Deps, Handled } from "./deps.js";
import { json, parseJson, problem, text, type AppRequest } from "./http.js";
import { toMinorUnits } from "./money.js";
import { modeOf, providerKey } from "./modes.js";
import { PAYMENTS, PROVIDER_PAYMENTS, type PaymentRecord } from "./records.js";
import { CURRENCIES } from "./settings.js";

const SHOPIFY_HEADERS = ["shopify-shop-domain", "shopify-request-id", "shopify-api-version"] as const;

export function idempotencyKey(kind: string, id: string): string {
  return `shopify-${kind}-${createHash("sha256").update(id).digest("hex").slice(0, 48)}`;
}

/** What every session request must carry: Shopify's client certificate and its three headers. */
export function sessionRequestProblem(request: AppRequest): Handled | undefined {
  if (!request.clientCertificateVerified) {
    return { response: problem(401, "a client certificate from Shopify is required") };
  }
  const missing = SHOPIFY_HEADERS.filter((name) => !text(request.headers[name], 255));
  return missing.length > 0 ? { response: problem(400, `missing headers: ${missing.join(", ")}`) } : undefined;
}

function httpsUrl(value: unknown): string | undefined {
  const candidate = text(value, 2048);
  if (candidate === undefined) {
    return undefined;
  }
  try {
    return new URL(candidate).protocol === "https:" ? candidate : undefined;
  } catch {
    return undefined;
  }
}

interface StartPayment {
  id: string;
  gid: string;
  amount: string;
  currency: string;
  test: boolean;
  cancelUrl: string;
}

function readStartPayment(body: Record<string, unknown>): StartPayment | string {
  const method = body["payment_method"] as { data?: { cancel_url?: unknown } } | undefined;
  const id = text(body["id"], 255);
  const gid = text(body["gid"], 300);
  const amount = text(body["amount"], 32);
  const currency = text(body["currency"], 3);
  const cancelUrl = httpsUrl(method?.data?.cancel_url);
  if (id === undefined || gid === undefined || !gid.startsWith("gid://shopify/PaymentSession/")) {
    return "id and gid (gid://shopify/PaymentSession/...) are required";
  }
  if (amount === undefined || currency === undefined || typeof body["test"] !== "boolean") {
    return "amount, currency and test are required";
  }
  if (cancelUrl === undefined) {
    return "payment_method.data.cancel_url must be an https URL";
  }
  return { id, gid, amount, currency, test: body["test"], cancelUrl };
}

/** Shopify's payment session: create the payment at the provider and send the buyer there (redirect_url). The
 * session id is the idempotency key: a retried request gets the first answer and creates nothing new. Shopify's
 * `test` flag picks the provider account (modes.ts); the record keeps it for the refund and the webhooks. */
export async function startPaymentSession(deps: Deps, request: AppRequest): Promise<Handled> {
  const refused = sessionRequestProblem(request);
  if (refused !== undefined) {
    return refused;
  }
  const body = parseJson(request.body);
  const session = body === undefined ? "the body must be a JSON object" : readStartPayment(body);
  if (typeof session === "string") {
    return { response: problem(400, session) };
  }
  const known = deps.store.get<PaymentRecord>(PAYMENTS, session.id);
  if (known !== undefined) {
    if (known.amount !== session.amount || known.currency !== session.currency) {
      return { response: problem(409, "this session id was used with another amount") };
    }
    return { response: json(200, { redirect_url: known.providerRedirectUrl }) };
  }
  if (!CURRENCIES.includes(session.currency)) {
    return { response: problem(422, `currency ${session.currency} is not enabled for this app`) };
  }
  const minor = toMinorUnits(session.amount, session.currency);
  if (minor === undefined) {
    return { response: problem(400, "amount is not a valid amount of that currency") };
  }
  const mode = modeOf(session.test);
  const provider = deps.providers[mode];
  if (provider === undefined) {
    deps.log("test session refused: no provider test account", { session: session.id });
    return { response: problem(422, `the provider's ${mode} account is not configured`) };
  }
  const payment = await provider.api.createPayment({
    amount: minor,
    currency: session.currency,
    orderId: idempotencyKey("order", session.id).slice(0, 64),
    returnUrl: new URL(`/return?session=${encodeURIComponent(session.id)}`, deps.appUrl).toString(),
    cancelUrl: session.cancelUrl,
    webhookUrl: new URL("/webhooks/provider", deps.appUrl).toString(),
    idempotencyKey: idempotencyKey("payment", session.id),
  });
  const redirect = httpsUrl(payment.redirect_url);
  if (redirect === undefined) {
    deps.log("provider gave no redirect", { session: session.id, status: payment.status });
    return { response: problem(502, "the provider did not return a payment page") };
  }
  const record: PaymentRecord = {
    ...session,
    shop: request.headers["shopify-shop-domain"] ?? "",
    providerPaymentId: payment.id,
    providerRedirectUrl: redirect,
    status: "pending",
  };
  deps.store.put(PAYMENTS, session.id, record);
  deps.store.put(PROVIDER_PAYMENTS, providerKey(mode, payment.id), { sessionId: session.id });
  deps.log("payment session started", { session: session.id, mode, request: request.headers["shopify-request-id"] });
  return { response: json(200, { redirect_url: redirect }) };
}
