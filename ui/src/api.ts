// The one client of the forge's public API (docs/openapi.json). Errors keep the API's own words.

import type {
  ApprovalQueue,
  DecisionView,
  JobDetail,
  JobPage,
  JobView,
  Keyset,
  LogPage,
  PackageDetail,
  PackagePage,
  ReviewView,
  StatsView,
} from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: string[],
  ) {
    super(message);
  }
}

const PREFIX = "/api/v1/forge";
let apiBase = "";
let currentToken = "";
let onUnauthorized: () => void = () => undefined;

export function configureApi(base: string, token: string, unauthorized: () => void): void {
  apiBase = base.replace(/\/$/, "");
  currentToken = token;
  onUnauthorized = unauthorized;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${currentToken}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(`${apiBase}${PREFIX}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "unreachable", "The forge API cannot be reached. Is `forge up` running?", []);
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const err = (parsed ?? {}) as { error?: string; message?: string; problems?: string[] };
    if (response.status === 401) onUnauthorized();
    throw new ApiError(
      response.status,
      err.error ?? "error",
      err.message ?? `HTTP ${response.status}`,
      Array.isArray(err.problems) ? err.problems : [],
    );
  }
  return parsed as T;
}

function query(params: Record<string, string | number | undefined | null>): string {
  const pairs = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return pairs.length ? `?${new URLSearchParams(pairs.map(([k, v]) => [k, String(v)])).toString()}` : "";
}

export const api = {
  jobs: (filters: Record<string, string | number | undefined>) => call<JobPage>("GET", `/jobs${query(filters)}`),
  job: (id: string) => call<JobDetail>("GET", `/jobs/${encodeURIComponent(id)}`),
  logs: (id: string, since?: string) =>
    call<LogPage>("GET", `/jobs/${encodeURIComponent(id)}/logs${query({ since })}`),
  cancel: (id: string) => call<JobView>("POST", `/jobs/${encodeURIComponent(id)}/cancel`),
  retry: (id: string) => call<JobView>("POST", `/jobs/${encodeURIComponent(id)}/retry`),
  stats: (days: number) => call<StatsView>("GET", `/stats${query({ days })}`),
  approvals: (status = "pending") => call<ApprovalQueue>("GET", `/approvals${query({ status })}`),
  decide: (requestId: string, approve: boolean, mfaCode: string, comment: string) =>
    call<DecisionView>("POST", `/approvals/${encodeURIComponent(requestId)}/${approve ? "approve" : "reject"}`, {
      mfa_code: mfaCode,
      comment: comment || null,
    }),
  packages: (filters: Record<string, string | number | undefined>) =>
    call<PackagePage>("GET", `/packages${query(filters)}`),
  package: (id: string) => call<PackageDetail>("GET", `/packages/${encodeURIComponent(id)}`),
  review: (id: string) => call<ReviewView>("GET", `/packages/${encodeURIComponent(id)}/review`),
  revoke: (id: string, reason: string) =>
    call<{ status: string; revocation_list_version: number }>("POST", `/packages/${encodeURIComponent(id)}/revoke`, {
      reason,
    }),
  keys: () => call<Keyset>("GET", "/keys"),
};
