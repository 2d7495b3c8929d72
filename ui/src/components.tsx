// Small pieces every screen uses: the API's error as worded, a loader hook, a status badge, times.

import { useCallback, useEffect, useState } from "react";
import { ApiError } from "./api";

export function ErrorNotice({ error }: { error: unknown }) {
  if (!error) return null;
  const apiError = error instanceof ApiError ? error : null;
  return (
    <div role="alert" className="error" data-testid="api-error">
      <strong>{apiError && apiError.status ? `${apiError.status} ${apiError.code}: ` : ""}</strong>
      {error instanceof Error ? error.message : String(error)}
      {apiError && apiError.problems.length > 0 && (
        <ul>
          {apiError.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[], everyMs = 0): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load()
      .then((value) => live && (setData(value), setError(null)))
      .catch((err: unknown) => live && setError(err))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  useEffect(() => {
    if (!everyMs) return undefined;
    const timer = window.setInterval(reload, everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs, reload]);
  return { data, error, loading, reload };
}

export function Status({ value }: { value: string }) {
  return <span className={`status status-${value}`}>{value}</span>;
}

export function when(iso: string | null | undefined): string {
  return iso ? iso.replace("T", " ").slice(0, 19) : "";
}

export function seconds(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? "" : `${(ms / 1000).toFixed(1)} s`;
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? "–" : `${(rate * 100).toFixed(1)} %`;
}

export function Link({ to, children, label }: { to: string; children: React.ReactNode; label?: string }) {
  return (
    <a
      href={to}
      aria-label={label}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

export function navigate(to: string): void {
  window.history.pushState({}, "", to);
  window.dispatchEvent(new PopStateEvent("popstate"));
}
