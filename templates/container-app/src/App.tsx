import { useCallback, useEffect, useState } from "react";

// What the backend (backend/main.go) answers; the worker passes /api/* to it.
type Health = {
  status: string;
  api_version: string;
  hostname: string;
  uptime_seconds: number;
};
type Counter = { value: number };
type Echo = { method: string; url: string; headers: Record<string, string[]> };

async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, init);
  const text = await res.text();
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? message;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new Error(`${init?.method ?? "GET"} ${path}: ${message}`);
  }
  return JSON.parse(text) as T;
}

export default function App() {
  const [health, setHealth] = useState<Health | null>(null);
  const [count, setCount] = useState<number | null>(null);
  const [echo, setEcho] = useState<Echo | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      const [h, c] = await Promise.all([api<Health>("/api/health"), api<Counter>("/api/counter")]);
      setHealth(h);
      setCount(c.value);
      setError(null);
    } catch (err) {
      setError(String(err instanceof Error ? err.message : err));
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  async function change(path: string) {
    setBusy(true);
    try {
      const c = await api<Counter>(path, { method: "POST" });
      setCount(c.value);
      setError(null);
    } catch (err) {
      setError(String(err instanceof Error ? err.message : err));
    } finally {
      setBusy(false);
    }
  }

  async function showEcho() {
    try {
      setEcho(await api<Echo>("/api/echo?from=frontend", { headers: { "X-Demo": "valet" } }));
    } catch (err) {
      setError(String(err instanceof Error ? err.message : err));
    }
  }

  return (
    <main className="app">
      <header>
        <img src="/favicon.svg" alt="" width={40} height={40} />
        <div>
          <h1>{document.title}</h1>
          <p className="muted">React frontend · worker · Durable Object · container</p>
        </div>
      </header>

      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}

      <section className="card">
        <h2>Counter</h2>
        <p className="count" aria-live="polite">
          {count ?? "…"}
        </p>
        <p className="muted">Stored by the backend in its container.</p>
        <div className="actions">
          <button onClick={() => void change("/api/counter/increment")} disabled={busy}>
            Increment
          </button>
          <button className="secondary" onClick={() => void change("/api/counter/reset")} disabled={busy}>
            Reset
          </button>
        </div>
      </section>

      <section className="card">
        <h2>Backend</h2>
        {health ? (
          <dl>
            <dt>Status</dt>
            <dd>
              <span className="dot" /> {health.status}
            </dd>
            <dt>API version</dt>
            <dd>{health.api_version || "unset"}</dd>
            <dt>Container</dt>
            <dd>
              <code>{health.hostname}</code>
            </dd>
            <dt>Up for</dt>
            <dd>{health.uptime_seconds}s</dd>
          </dl>
        ) : (
          <p className="muted">Waiting for the backend… (the first request starts its container)</p>
        )}
        <div className="actions">
          <button className="secondary" onClick={() => void refresh()}>
            Refresh
          </button>
          <button className="secondary" onClick={() => void showEcho()}>
            Echo a request
          </button>
        </div>
        {echo && (
          <pre>
            {echo.method} {echo.url}
            {"\n"}
            {Object.entries(echo.headers)
              .map(([name, values]) => `${name}: ${values.join(", ")}`)
              .sort()
              .join("\n")}
          </pre>
        )}
      </section>

      <footer className="muted">
        Edit <code>src/App.tsx</code>, <code>worker/index.ts</code> or <code>backend/main.go</code>:{" "}
        <code>valet dev</code> rebuilds and reloads.
      </footer>
    </main>
  );
}
