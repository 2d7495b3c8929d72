import { MINOR_UNIT_EXPONENTS } from "./settings.js";

const DECIMAL = /^(0|[1-9]\d{0,14})(?:\.(\d{1,3}))?$/;

/** Shopify's decimal amount ("123.00") as the provider's integer minor units, exactly (no floating point). */
export function toMinorUnits(amount: string, currency: string): number | undefined {
  const match = DECIMAL.exec(amount);
  if (match === null) {
    return undefined;
  }
  const exponent = MINOR_UNIT_EXPONENTS[currency] ?? 2;
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.replace(/0+$/, "").length > exponent) {
    return undefined;
  }
  const units = BigInt(whole) * 10n ** BigInt(exponent) + BigInt((fraction + "000").slice(0, exponent) || "0");
  return units > 0n && units <= 99_999_999_999n ? Number(units) : undefined;
}
