import { createHmac, timingSafeEqual } from "node:crypto";
import { PROVIDER } from "./settings.js";

export type Verdict = { ok: true } | { ok: false; reason: string };

/** The provider's signature: hex HMAC-SHA256 of "{timestamp}.{raw body}", compared in constant time; the timestamp
 * is checked after the signature (so it is known to be the provider's) against the replay window. */
export function verifyProviderSignature(
  secret: string,
  rawBody: Buffer,
  signature: string | undefined,
  timestamp: string | undefined,
  nowSeconds: number,
): Verdict {
  if (signature === undefined || timestamp === undefined || !/^[0-9a-f]{64}$/.test(signature) || !/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: "missing or malformed signature headers" };
  }
  const expected = createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) {
    return { ok: false, reason: "bad signature" };
  }
  if (Math.abs(nowSeconds - Number(timestamp)) > PROVIDER.toleranceSeconds) {
    return { ok: false, reason: "timestamp outside the replay window" };
  }
  return { ok: true };
}
