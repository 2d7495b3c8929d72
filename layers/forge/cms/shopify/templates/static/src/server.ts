import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import { handle } from "./app.js";
import { complianceVerifier } from "./compliance.js";
import { ConfigError, loadConfig, type Config, type ProviderAccount } from "./config.js";
import type { Deps } from "./deps.js";
import { MAX_BODY_BYTES, type AppRequest } from "./http.js";
import type { Mode } from "./modes.js";
import { outbound } from "./outbound.js";
import { Provider } from "./provider.js";
import { PaymentsAppsApi } from "./shopify-graphql.js";
import { Store } from "./store.js";

function log(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

function caFor(config: Config, url: URL): Buffer | undefined {
  if (url.host === config.shopifyAdminApiUrl.host) {
    return config.shopifyAdminCa;
  }
  const { live, test } = config.providers;
  return [live, test].find((account) => account?.baseUrl.host === url.host)?.ca;
}

function wire(config: Config): Deps {
  const post = outbound(config.allowedHosts, (url) => caFor(config, url));
  const providers: Deps["providers"] = {};
  for (const [mode, account] of Object.entries(config.providers) as [Mode, ProviderAccount | undefined][]) {
    if (account !== undefined) {
      providers[mode] = { api: new Provider(account.baseUrl, account.apiKey, post), webhookSecret: account.webhookSecret };
    }
  }
  return {
    store: new Store(config.dataDir),
    providers,
    shopify: new PaymentsAppsApi(config.shopifyAdminApiUrl, config.shopifyAccessToken, post),
    appUrl: config.appUrl,
    verifyCompliance: complianceVerifier(config.shopifyApiKey, config.shopifyApiSecret, config.appUrl),
    nowSeconds: () => Math.floor(Date.now() / 1000),
    log,
  };
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      resolve(Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

function headers(req: IncomingMessage): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

async function serve(deps: Deps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  if (body === undefined) {
    res.writeHead(413).end();
    return;
  }
  const url = new URL(req.url ?? "/", deps.appUrl);
  const request: AppRequest = {
    method: req.method ?? "GET",
    path: url.pathname,
    query: url.searchParams,
    headers: headers(req),
    body,
    clientCertificateVerified: Reflect.get(req.socket, "authorized") === true,
  };
  const { response, after } = await handle(deps, request);
  res.writeHead(response.status, response.headers).end(response.body);
  if (after !== undefined) {
    await after.catch((error: unknown) => {
      log("follow-up failed", { error: error instanceof Error ? error.message : "unknown" });
    });
  }
}

function main(): void {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : "cannot start"}\n`);
    process.exit(1);
  }
  const deps = wire(config);
  // Shopify's client certificate is asked for on every connection and checked against its CA; routes other than
  // the session URLs (webhooks, the buyer's return) are reached without one, so the check is per route.
  const server = createServer(
    { cert: config.tlsCert, key: config.tlsKey, ca: config.shopifyClientCa, requestCert: true, rejectUnauthorized: false, minVersion: "TLSv1.2" },
    (req, res) => {
      serve(deps, req, res).catch(() => res.writeHead(500).end());
    },
  );
  server.listen(config.port, "127.0.0.1", () => {
    log("listening", { port: config.port });
  });
}

main();
