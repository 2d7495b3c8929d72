/** Shopify's `test` flag picks the provider account: test sessions go to the provider's sandbox with its test key,
 * live ones to the live API. The mode is stored with the payment so its refund and webhooks use the same account. */
export type Mode = "test" | "live";

export function modeOf(test: boolean): Mode {
  return test ? "test" : "live";
}

/** The key of a provider object's link to its session: ids are only unique within one provider mode. */
export function providerKey(mode: Mode, id: string): string {
  return `${mode}:${id}`;
}
