import type { AppRequest, AppResponse } from "./http.js";
import type { Mode } from "./modes.js";
import type { Provider } from "./provider.js";
import type { PaymentsAppsApi } from "./shopify-graphql.js";
import type { Store } from "./store.js";

export interface ComplianceCheck {
  valid: boolean;
  topic?: string;
  shop?: string;
  webhookId?: string;
}

/** The provider account of one mode, as the handlers use it. */
export interface ProviderMode {
  api: Provider;
  webhookSecret: string;
}

/** What the handlers are given: the adapters at the edge, so the tests can hand in their own. */
export interface Deps {
  store: Store;
  // Live always; test only when the deployment configured the provider's test account.
  providers: Partial<Record<Mode, ProviderMode>>;
  shopify: PaymentsAppsApi;
  appUrl: URL;
  verifyCompliance: (request: AppRequest) => Promise<ComplianceCheck>;
  nowSeconds: () => number;
  log: (event: string, fields?: Record<string, unknown>) => void;
}

/** An answer, and the work Shopify expects after it (refund sessions: 201 first, then the mutation). */
export interface Handled {
  response: AppResponse;
  after?: Promise<void>;
}
