/** The app's view of an HTTP exchange, independent of the server (so the tests drive it without sockets). */
export interface AppRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
  // The client presented a certificate that chains to Shopify's CA (mutual TLS).
  clientCertificateVerified: boolean;
}

export interface AppResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export const MAX_BODY_BYTES = 64 * 1024;

export function json(status: number, value: unknown): AppResponse {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(value) };
}

export function problem(status: number, message: string): AppResponse {
  return json(status, { error: message });
}

export function parseJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function text(value: unknown, max: number): string | undefined {
  return typeof value === "string" && value.length > 0 && value.length <= max ? value : undefined;
}
