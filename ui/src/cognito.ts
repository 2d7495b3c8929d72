// Cognito's hosted sign-in with the authorization code grant and PKCE (RFC 7636): the UI is a public client with no
// secret; the code is useless without the verifier, which never leaves this tab's sessionStorage.

import type { CognitoConfig } from "./config";

const VERIFIER = "forge.pkce.verifier";
const STATE = "forge.pkce.state";

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(48)));
}

export async function startSignIn(config: CognitoConfig): Promise<void> {
  const verifier = randomString();
  const state = randomString();
  sessionStorage.setItem(VERIFIER, verifier);
  sessionStorage.setItem(STATE, state);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const params = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: "openid email profile",
    state,
    code_challenge_method: "S256",
    code_challenge: base64url(digest),
  });
  window.location.assign(`${config.domain}/oauth2/authorize?${params.toString()}`);
}

/** The ID token for the code Cognito sent back, after checking the state this tab sent. */
export async function finishSignIn(config: CognitoConfig, search: string): Promise<string> {
  const params = new URLSearchParams(search);
  const verifier = sessionStorage.getItem(VERIFIER);
  const state = sessionStorage.getItem(STATE);
  sessionStorage.removeItem(VERIFIER);
  sessionStorage.removeItem(STATE);
  if (params.get("error")) throw new Error(params.get("error_description") ?? params.get("error") ?? "sign-in failed");
  if (!verifier || !state || params.get("state") !== state) throw new Error("sign-in answer does not match this tab");
  const response = await fetch(`${config.domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: config.clientId,
      code: params.get("code") ?? "",
      redirect_uri: config.redirectUri,
      code_verifier: verifier,
    }).toString(),
  });
  const body = (await response.json()) as { id_token?: string; error?: string };
  if (!response.ok || !body.id_token) throw new Error(body.error ?? `token exchange failed (HTTP ${response.status})`);
  return body.id_token;
}
