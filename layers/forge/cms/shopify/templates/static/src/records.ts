export type SessionStatus = "pending" | "resolved" | "rejected";

export interface PaymentRecord {
  id: string;
  gid: string;
  shop: string;
  amount: string;
  currency: string;
  test: boolean;
  cancelUrl: string;
  providerPaymentId: string;
  providerRedirectUrl: string;
  status: SessionStatus;
  // Where Shopify sends the buyer next, from the resolve or reject mutation.
  checkoutUrl?: string;
}

export interface RefundRecord {
  id: string;
  gid: string;
  shop: string;
  paymentId: string;
  amount: string;
  currency: string;
  providerRefundId?: string;
  status: SessionStatus;
}

export const PAYMENTS = "payments";
export const REFUNDS = "refunds";
export const PROVIDER_PAYMENTS = "provider-payments";
export const PROVIDER_REFUNDS = "provider-refunds";
export const PROVIDER_EVENTS = "provider-events";
export const SHOPIFY_WEBHOOKS = "shopify-webhooks";
