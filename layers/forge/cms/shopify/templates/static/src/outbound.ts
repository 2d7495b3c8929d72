import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export class OutboundRefused extends Error {}

export interface OutboundResponse {
  status: number;
  body: string;
}

export type Post = (url: URL, headers: Record<string, string>, body: string | undefined, method?: string) => Promise<OutboundResponse>;

const MAX_RESPONSE_BYTES = 1024 * 1024;
const TIMEOUT_MS = 15_000;

/** The only way the app talks to the network: to the allowlisted hosts, over http(s), with bounded answers. */
export function outbound(allowedHosts: ReadonlySet<string>, caFor: (url: URL) => Buffer | undefined): Post {
  return (url, headers, body, method = "POST") => {
    const host = url.hostname.toLowerCase();
    if (!allowedHosts.has(host)) {
      return Promise.reject(new OutboundRefused(`outbound request to ${host} refused: not in ALLOWED_HOSTS`));
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      return Promise.reject(new OutboundRefused(`outbound request over ${url.protocol} refused`));
    }
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const ca = caFor(url);
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        { method, headers, timeout: TIMEOUT_MS, ...(ca !== undefined ? { ca } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              req.destroy(new Error("response too large"));
              return;
            }
            chunks.push(chunk);
          });
          res.on("end", () => {
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => {
        req.destroy(new Error("request timed out"));
      });
      req.on("error", reject);
      req.end(body);
    });
  };
}
