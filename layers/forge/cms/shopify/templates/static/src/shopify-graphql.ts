import { API_VERSION } from "./settings.js";
import type { Post } from "./outbound.js";

export class ShopifyApiError extends Error {}

export type RejectCode = "PROCESSING_ERROR" | "RISKY" | "CANCELLED_PAYMENT";

const PAYMENT_RESOLVE = `mutation PaymentSessionResolve($id: ID!) {
  paymentSessionResolve(id: $id) {
    paymentSession { id state { ... on PaymentSessionStateResolved { code } } nextAction { action context { ... on PaymentSessionActionsRedirect { redirectUrl } } } }
    userErrors { field message }
  }
}`;
const PAYMENT_REJECT = `mutation PaymentSessionReject($id: ID!, $reason: PaymentSessionRejectionReasonInput!) {
  paymentSessionReject(id: $id, reason: $reason) {
    paymentSession { id nextAction { action context { ... on PaymentSessionActionsRedirect { redirectUrl } } } }
    userErrors { field message }
  }
}`;
const REFUND_RESOLVE = `mutation RefundSessionResolve($id: ID!) {
  refundSessionResolve(id: $id) { refundSession { id } userErrors { field message } }
}`;
const REFUND_REJECT = `mutation RefundSessionReject($id: ID!, $reason: RefundSessionRejectionReasonInput!) {
  refundSessionReject(id: $id, reason: $reason) { refundSession { id } userErrors { field message } }
}`;
const CAPTURE_RESOLVE = `mutation CaptureSessionResolve($id: ID!) {
  captureSessionResolve(id: $id) { captureSession { id } userErrors { field message } }
}`;
const CAPTURE_REJECT = `mutation CaptureSessionReject($id: ID!, $reason: CaptureSessionRejectionReasonInput!) {
  captureSessionReject(id: $id, reason: $reason) { captureSession { id } userErrors { field message } }
}`;
const VOID_REJECT = `mutation VoidSessionReject($id: ID!, $reason: VoidSessionRejectionReasonInput!) {
  voidSessionReject(id: $id, reason: $reason) { voidSession { id } userErrors { field message } }
}`;

interface GraphqlAnswer {
  data?: Record<string, { userErrors?: { message: string }[]; paymentSession?: { nextAction?: { context?: { redirectUrl?: string } } } } | null>;
  errors?: { message: string }[];
}

/** Shopify's Payments Apps API (GraphQL), authenticated with the shop's OAuth access token. */
export class PaymentsAppsApi {
  private readonly endpoint: URL;

  constructor(
    base: URL,
    private readonly accessToken: string,
    private readonly post: Post,
  ) {
    this.endpoint = new URL(`${base.pathname.replace(/\/$/, "")}/payments_apps/api/${API_VERSION}/graphql.json`, base);
  }

  private async mutate(field: string, query: string, variables: Record<string, unknown>): Promise<string | undefined> {
    const answer = await this.post(
      this.endpoint,
      { "content-type": "application/json", accept: "application/json", "x-shopify-access-token": this.accessToken },
      JSON.stringify({ query, variables }),
    );
    if (answer.status !== 200) {
      throw new ShopifyApiError(`Shopify answered ${answer.status} to ${field}`);
    }
    const parsed = JSON.parse(answer.body) as GraphqlAnswer;
    const result = parsed.data?.[field];
    const problems = [...(parsed.errors ?? []), ...(result?.userErrors ?? [])].map((error) => error.message);
    if (problems.length > 0 || result === undefined || result === null) {
      throw new ShopifyApiError(`${field} failed: ${problems.join("; ") || "no result"}`);
    }
    return result.paymentSession?.nextAction?.context?.redirectUrl;
  }

  resolvePayment(gid: string): Promise<string | undefined> {
    return this.mutate("paymentSessionResolve", PAYMENT_RESOLVE, { id: gid });
  }

  rejectPayment(gid: string, code: RejectCode, merchantMessage: string): Promise<string | undefined> {
    return this.mutate("paymentSessionReject", PAYMENT_REJECT, { id: gid, reason: { code, merchantMessage } });
  }

  async resolveRefund(gid: string): Promise<void> {
    await this.mutate("refundSessionResolve", REFUND_RESOLVE, { id: gid });
  }

  async rejectRefund(gid: string, merchantMessage: string): Promise<void> {
    await this.mutate("refundSessionReject", REFUND_REJECT, { id: gid, reason: { code: "PROCESSING_ERROR", merchantMessage } });
  }

  async resolveCapture(gid: string): Promise<void> {
    await this.mutate("captureSessionResolve", CAPTURE_RESOLVE, { id: gid });
  }

  async rejectCapture(gid: string, merchantMessage: string): Promise<void> {
    await this.mutate("captureSessionReject", CAPTURE_REJECT, { id: gid, reason: { code: "PROCESSING_ERROR", merchantMessage } });
  }

  async rejectVoid(gid: string, merchantMessage: string): Promise<void> {
    await this.mutate("voidSessionReject", VOID_REJECT, { id: gid, reason: { code: "PROCESSING_ERROR", merchantMessage } });
  }
}
