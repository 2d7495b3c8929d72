// Who is signed in: the bearer token and what its claims say. The token lives in sessionStorage, so each tab (each
// browser session) signs in on its own: two approvers can decide from two windows of one browser.

export type Role = "ops" | "admin";

export interface Session {
  token: string;
  user: string;
  role: Role;
}

const KEY = "forge.session";
const ADMIN_GROUP = "pay_admin";

function claimsOf(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

/** The session a token stands for. The API verifies the token on every call; this only reads it for display. */
export function sessionOf(token: string): Session {
  const claims = claimsOf(token);
  const raw = claims["cognito:groups"];
  const groups = Array.isArray(raw) ? raw.map(String) : String(raw ?? "").split(/[ ,]+/);
  const user = String(claims["cognito:username"] ?? claims["username"] ?? claims["sub"] ?? "");
  return { token, user, role: groups.includes(ADMIN_GROUP) ? "admin" : "ops" };
}

export function loadSession(): Session | null {
  const token = sessionStorage.getItem(KEY);
  if (!token) return null;
  try {
    const claims = claimsOf(token);
    if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    return sessionOf(token);
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

export function saveSession(token: string): Session {
  sessionStorage.setItem(KEY, token);
  return sessionOf(token);
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
