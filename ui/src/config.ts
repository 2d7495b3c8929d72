// Where the UI runs. Locally (no config.json): the forge runtime serves the UI and the API on one origin, and the
// sign-in page asks it for a token. In AWS the deployment writes config.json beside index.html: the API's URL and
// the Cognito hosted UI (authorization code + PKCE).

export interface CognitoConfig {
  domain: string; // https://<prefix>.auth.<region>.amazoncognito.com
  clientId: string;
  redirectUri: string; // https://<ui host>/sign-in/callback
}

export interface UiConfig {
  apiUrl: string;
  cognito: CognitoConfig | null;
}

export async function loadConfig(): Promise<UiConfig> {
  try {
    const response = await fetch("/config.json", { headers: { Accept: "application/json" } });
    if (response.ok && (response.headers.get("Content-Type") ?? "").includes("json")) {
      const raw = (await response.json()) as Partial<UiConfig>;
      return { apiUrl: raw.apiUrl ?? "", cognito: raw.cognito ?? null };
    }
  } catch {
    // no config: the local runtime
  }
  return { apiUrl: "", cognito: null };
}
