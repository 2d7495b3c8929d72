import { readFileSync } from "node:fs";

export interface Config {
  port: number;
  tlsCert: Buffer;
  tlsKey: Buffer;
  shopifyClientCa: Buffer;
  shopifyAdminApiUrl: URL;
  shopifyAdminCa: Buffer | undefined;
  shopifyAccessToken: string;
  shopifyApiSecret: string;
  shopifyApiKey: string;
  providers: ProviderAccounts;
  allowedHosts: ReadonlySet<string>;
  dataDir: string;
  appUrl: URL;
}

/** One provider account: where its API is, the CA of that host, its bearer key and its webhooks' secret. */
export interface ProviderAccount {
  baseUrl: URL;
  ca: Buffer | undefined;
  apiKey: string;
  webhookSecret: string;
}

/** The live account is required; the test account (Shopify's test mode) is optional: without it the app refuses
 * test sessions rather than send them to the live API. */
export interface ProviderAccounts {
  live: ProviderAccount;
  test?: ProviderAccount;
}

export class ConfigError extends Error {}

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") {
    throw new ConfigError(`missing environment variable ${name}`);
  }
  return value.trim();
}

function url(env: Env, name: string, fallback?: string): URL {
  const text = fallback !== undefined && !env[name] ? fallback : required(env, name);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new ConfigError(`${name} is not a URL`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new ConfigError(`${name} must be an http(s) URL`);
  }
  return parsed;
}

function file(env: Env, name: string, read: (path: string) => Buffer): Buffer {
  const path = required(env, name);
  try {
    return read(path);
  } catch {
    throw new ConfigError(`${name}: cannot read ${path}`);
  }
}

function optionalFile(env: Env, name: string, read: (path: string) => Buffer): Buffer | undefined {
  return env[name] ? file(env, name, read) : undefined;
}

const TEST_NAMES = ["PROVIDER_TEST_BASE_URL", "PROVIDER_TEST_API_KEY", "PROVIDER_TEST_WEBHOOK_SECRET"] as const;

function providerAccounts(env: Env, read: (path: string) => Buffer): ProviderAccounts {
  const live: ProviderAccount = {
    baseUrl: url(env, "PROVIDER_BASE_URL"),
    ca: optionalFile(env, "PROVIDER_CA_FILE", read),
    apiKey: required(env, "PROVIDER_API_KEY"),
    webhookSecret: required(env, "PROVIDER_WEBHOOK_SECRET"),
  };
  // Any one of the test names set means the test account is meant: then all three are required.
  if (!TEST_NAMES.some((name) => env[name]?.trim())) {
    return { live };
  }
  const test: ProviderAccount = {
    baseUrl: url(env, "PROVIDER_TEST_BASE_URL"),
    ca: optionalFile(env, "PROVIDER_TEST_CA_FILE", read) ?? live.ca,
    apiKey: required(env, "PROVIDER_TEST_API_KEY"),
    webhookSecret: required(env, "PROVIDER_TEST_WEBHOOK_SECRET"),
  };
  if (test.apiKey === live.apiKey || test.webhookSecret === live.webhookSecret) {
    throw new ConfigError("PROVIDER_TEST_API_KEY and PROVIDER_TEST_WEBHOOK_SECRET must differ from the live ones");
  }
  return { live, test };
}

/** Every setting from the environment: secrets never live in the code or in files the app ships. */
export function loadConfig(env: Env, read: (path: string) => Buffer = (path) => readFileSync(path)): Config {
  const port = Number(required(env, "PORT"));
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError("PORT must be a port number");
  }
  const allowedHosts = new Set(
    required(env, "ALLOWED_HOSTS")
      .split(",")
      .map((host) => host.trim().toLowerCase())
      .filter((host) => host !== ""),
  );
  return {
    port,
    tlsCert: file(env, "TLS_CERT_FILE", read),
    tlsKey: file(env, "TLS_KEY_FILE", read),
    shopifyClientCa: file(env, "SHOPIFY_CLIENT_CA_FILE", read),
    shopifyAdminApiUrl: url(env, "SHOPIFY_ADMIN_API_URL"),
    shopifyAdminCa: optionalFile(env, "SHOPIFY_ADMIN_CA_FILE", read),
    shopifyAccessToken: required(env, "SHOPIFY_ACCESS_TOKEN"),
    shopifyApiSecret: required(env, "SHOPIFY_API_SECRET"),
    shopifyApiKey: env["SHOPIFY_API_KEY"]?.trim() || "forge-app",
    providers: providerAccounts(env, read),
    allowedHosts,
    dataDir: required(env, "DATA_DIR"),
    appUrl: url(env, "APP_URL", `https://127.0.0.1:${port}`),
  };
}
