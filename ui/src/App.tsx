import { useEffect, useState } from "react";
import { configureApi } from "./api";
import { finishSignIn } from "./cognito";
import { Link, navigate } from "./components";
import { loadConfig, type UiConfig } from "./config";
import { ApprovalsScreen } from "./screens/Approvals";
import { Dashboard } from "./screens/Dashboard";
import { JobScreen } from "./screens/Job";
import { KeysScreen } from "./screens/Keys";
import { PackagesScreen, RevokeScreen } from "./screens/Packages";
import { ReviewScreen } from "./screens/Review";
import { SignInScreen } from "./screens/SignIn";
import { clearSession, loadSession, saveSession, type Session } from "./session";

function usePath(): string {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const update = () => setPath(window.location.pathname);
    window.addEventListener("popstate", update);
    return () => window.removeEventListener("popstate", update);
  }, []);
  return path;
}

function Screen({ path, session }: { path: string; session: Session }) {
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "jobs" && parts[1]) return <JobScreen id={parts[1]} session={session} />;
  if (parts[0] === "approvals" && parts[1]) return <ReviewScreen packageId={parts[1]} session={session} />;
  if (parts[0] === "approvals") return <ApprovalsScreen session={session} />;
  if (parts[0] === "packages" && parts[1] && parts[2] === "revoke") return <RevokeScreen id={parts[1]} />;
  if (parts[0] === "packages") return <PackagesScreen session={session} />;
  if (parts[0] === "keys") return <KeysScreen session={session} />;
  return <Dashboard />;
}

const NAV = [
  ["/", "Dashboard"],
  ["/approvals", "Approvals"],
  ["/packages", "Packages"],
  ["/keys", "Keys"],
] as const;

export function App() {
  const path = usePath();
  const [config, setConfig] = useState<UiConfig | null>(null);
  const [session, setSession] = useState<Session | null>(loadSession);
  const [signInError, setSignInError] = useState<string | null>(null);

  useEffect(() => {
    loadConfig().then(setConfig);
  }, []);

  useEffect(() => {
    if (!config?.cognito || path !== "/sign-in/callback") return;
    finishSignIn(config.cognito, window.location.search)
      .then((token) => {
        setSession(saveSession(token));
        navigate("/");
      })
      .catch((err: Error) => setSignInError(err.message));
  }, [config, path]);

  const signOut = () => {
    clearSession();
    setSession(null);
  };
  if (config) configureApi(config.apiUrl, session?.token ?? "", signOut);

  if (!config) return <p className="loading">Loading…</p>;
  if (!session)
    return (
      <SignInScreen
        cognito={config.cognito}
        error={signInError}
        onSignedIn={(token) => {
          setSession(saveSession(token));
          if (window.location.pathname === "/sign-in/callback") navigate("/");
        }}
      />
    );

  const section = "/" + (path.split("/")[1] ?? "");
  return (
    <>
      <header className="top">
        <span className="brand">Plugin Forge</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([to, label]) => (
              <li key={to}>
                <a
                  href={to}
                  aria-current={section === to || (to === "/" && section === "/jobs") ? "page" : undefined}
                  onClick={(event) => {
                    event.preventDefault();
                    navigate(to);
                  }}
                >
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who" data-testid="who">
          {session.user} ({session.role})
        </span>
        <button type="button" className="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main">
        <Screen path={path} session={session} />
      </main>
      <footer className="foot">
        <Link to="/">Plugin Forge operations</Link> · API: <code>/api/v1/forge</code>
      </footer>
    </>
  );
}
