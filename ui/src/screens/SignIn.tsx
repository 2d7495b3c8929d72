import { useState } from "react";
import { startSignIn } from "../cognito";
import type { CognitoConfig } from "../config";

interface Props {
  cognito: CognitoConfig | null;
  error: string | null;
  onSignedIn: (token: string) => void;
}

// The sign-in key arrives in the URL's fragment (`forge up` prints it); it is read once and removed from the
// address bar, so it is neither bookmarked nor left on screen.
function keyFromFragment(): string {
  const match = /sign-in-key=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  if (match) window.history.replaceState({}, "", window.location.pathname + window.location.search);
  return match ? match[1] : "";
}

export function SignInScreen({ cognito, error, onSignedIn }: Props) {
  const [key] = useState(keyFromFragment);
  const [user, setUser] = useState("");
  const [role, setRole] = useState("ops");
  const [typedKey, setTypedKey] = useState(key);
  const [problem, setProblem] = useState<string | null>(error);
  const [busy, setBusy] = useState(false);

  if (cognito) {
    return (
      <main id="main" className="sign-in">
        <h1>Plugin Forge operations</h1>
        {problem && (
          <div role="alert" className="error">
            {problem}
          </div>
        )}
        <button type="button" onClick={() => startSignIn(cognito)}>
          Sign in
        </button>
      </main>
    );
  }

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const response = await fetch("/local/sign-in", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ user, role, key: typedKey }),
      });
      const body = (await response.json()) as { token?: string; message?: string };
      if (!response.ok || !body.token) throw new Error(body.message ?? `HTTP ${response.status}`);
      onSignedIn(body.token);
    } catch (err) {
      setProblem(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <h1>Plugin Forge operations</h1>
      <p>Sign in to this machine's forge as a named local user. The sign-in key is in the URL `forge up` prints.</p>
      {problem && (
        <div role="alert" className="error" data-testid="api-error">
          {problem}
        </div>
      )}
      <form onSubmit={submit}>
        <label htmlFor="user">User name</label>
        <input id="user" name="user" autoComplete="username" required value={user} onChange={(e) => setUser(e.target.value)} />
        <label htmlFor="role">Role</label>
        <select id="role" name="role" value={role} onChange={(e) => setRole(e.target.value)}>
          <option value="ops">ops (plugin_forge_ops)</option>
          <option value="admin">admin (pay_admin)</option>
        </select>
        <label htmlFor="key">Sign-in key</label>
        <input
          id="key"
          name="key"
          type="password"
          autoComplete="off"
          required
          value={typedKey}
          onChange={(e) => setTypedKey(e.target.value)}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
