import { PAYMENT_METHODS, PROVIDER } from "./settings.js";
import type { Post } from "./outbound.js";

export interface ProviderPayment {
  id: string;
  status: "pending" | "requires_action" | "succeeded" | "failed" | "canceled";
  redirect_url?: string | null;
  failure_message?: string | null;
}

export interface ProviderRefund {
  id: string;
  status: "pending" | "succeeded" | "failed";
  failure_message?: string | null;
}

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface PaymentRequest {
  amount: number;
  currency: string;
  orderId: string;
  returnUrl: string;
  cancelUrl: string;
  webhookUrl: string;
  idempotencyKey: string;
}

export interface RefundRequest {
  paymentId: string;
  amount: number;
  currency: string;
  orderId: string;
  idempotencyKey: string;
}

/** The Molam API as the shared OpenAPI document describes it: POST /payments, POST /refunds, GET /payments/{id}. */
export class Provider {
  constructor(
    private readonly base: URL,
    private readonly apiKey: string,
    private readonly post: Post,
  ) {}

  private url(path: string): URL {
    return new URL(`${this.base.pathname.replace(/\/$/, "")}${path}`, this.base);
  }

  private async call<T>(method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.apiKey}`,
      accept: "application/json",
    };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
    }
    if (idempotencyKey !== undefined) {
      headers[PROVIDER.idempotencyHeader] = idempotencyKey;
    }
    const answer = await this.post(this.url(path), headers, body === undefined ? undefined : JSON.stringify(body), method);
    if (answer.status < 200 || answer.status >= 300) {
      throw new ProviderError(`provider answered ${answer.status} to ${method} ${path}`, answer.status);
    }
    return JSON.parse(answer.body) as T;
  }

  createPayment(request: PaymentRequest): Promise<ProviderPayment> {
    return this.call<ProviderPayment>(
      "POST",
      "/payments",
      {
        amount: request.amount,
        currency: request.currency,
        order_id: request.orderId,
        return_url: request.returnUrl,
        cancel_url: request.cancelUrl,
        webhook_url: request.webhookUrl,
        payment_methods: [...PAYMENT_METHODS],
      },
      request.idempotencyKey,
    );
  }

  retrievePayment(id: string): Promise<ProviderPayment> {
    if (!/^pay_[A-Za-z0-9]{1,64}$/.test(id)) {
      return Promise.reject(new ProviderError("not a payment id", 400));
    }
    return this.call<ProviderPayment>("GET", `/payments/${id}`);
  }

  createRefund(request: RefundRequest): Promise<ProviderRefund> {
    return this.call<ProviderRefund>(
      "POST",
      "/refunds",
      {
        payment_id: request.paymentId,
        amount: request.amount,
        currency: request.currency,
        order_id: request.orderId,
      },
      request.idempotencyKey,
    );
  }
}
