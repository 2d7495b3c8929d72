"""API latency benchmark: GET /jobs and GET /jobs/{id} on the loopback server over a large database.

Creates a dedicated database (on DATABASE_URL's server, else an embedded PostgreSQL in a temporary
folder), migrates it, bulk-inserts 100,000 jobs and 700,000 runs with generate_series, serves the API
handler on 127.0.0.1 exactly as `forge up` does, and measures each endpoint from concurrent clients (each a process
of its own, as the UI and CLI are).

    .venv/bin/python bench/api.py [--jobs 100000] [--runs-per-job 7] [--requests 2000] [--clients 4]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
import requests

ROOT = Path(__file__).resolve().parent.parent

EXAMPLE_SPEC = ROOT / "examples" / "woocommerce.yaml"
STEPS = ("generate", "build", "test", "sandbox", "package", "sign", "approval", "publish")


def admin_sql(dsn: str, sql: str) -> None:
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def fill(dsn: str, jobs: int, runs_per_job: int) -> float:
    from forge.cli.client import spec_payload

    started = time.perf_counter()
    conn = psycopg2.connect(dsn)
    with conn, conn.cursor() as cur:
        cur.execute(
            """INSERT INTO forge_jobs (requested_by, params, cms, status, current_step, created_at, started_at,
                                       finished_at)
               SELECT 'user' || (i %% 50),
                      %s::jsonb || jsonb_build_object('name', 'Molam Pay ' || i, 'slug', 'molam-pay-' || i),
                      (ARRAY['woocommerce','prestashop','magento','shopify'])[1 + i %% 4],
                      (ARRAY['success','failed','cancelled','success','running'])[1 + i %% 5],
                      'publish',
                      now() - make_interval(secs => i * 30),
                      now() - make_interval(secs => i * 30),
                      CASE WHEN i %% 5 = 4 THEN NULL ELSE now() - make_interval(secs => i * 30 - 20) END
               FROM generate_series(1, %s) AS i""",
            # Each job holds a whole spec, as real ones do (the example's, about 700 bytes), not three fields of it.
            (json.dumps(spec_payload(EXAMPLE_SPEC)), jobs),
        )
        cur.execute(
            """INSERT INTO forge_runs (job_id, step, attempt, delivery_key, status, logs, started_at, finished_at)
               SELECT j.id, (%s::text[])[1 + s %% 8], 1 + s / 8, 'bench:' || s, 'success',
                      'ran step ' || s, j.created_at + make_interval(secs => s),
                      j.created_at + make_interval(secs => s + 1)
               FROM forge_jobs j CROSS JOIN generate_series(0, %s - 1) AS s""",
            (list(STEPS), runs_per_job),
        )
        cur.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - started


def client_run(token: str, urls: list[str]) -> list[float]:
    """One client: its own process (as the UI's and the CLI's are) and its own kept-alive connection; the
    latency of each request, in seconds."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    latencies = []
    for url in urls:
        t0 = time.perf_counter()
        response = session.get(url, timeout=60)
        latencies.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")
    return latencies


def measure(token: str, urls: list[str], clients: int) -> tuple[float, float, float]:
    """p50 and p99 (ms) and requests per second of `clients` client processes sharing out `urls`. Clients run
    in processes of their own: threads of this process would share the server's interpreter lock, and their
    HTTP client's own CPU time would count in the server's latency."""
    shares = [urls[i::clients] for i in range(clients)]
    with ProcessPoolExecutor(clients, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(client_run, [token] * clients, [share[:5] for share in shares]))  # started and warm
        wall0 = time.perf_counter()
        latencies = [lat for share in pool.map(client_run, [token] * clients, shares) for lat in share]
        wall = time.perf_counter() - wall0
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000, len(urls) / wall


def profile_handler(handler: Callable, context: object, issuer: object, urls: list[str], base: str) -> str:
    """cProfile of the handler alone, in this thread, over the given requests: where the server time goes."""
    import cProfile
    import io
    import pstats
    from urllib.parse import urlsplit

    from forge.local.api_server import proxy_event

    claims = issuer.verify(issuer.mint("bench", "ops"))  # type: ignore[attr-defined]
    events = []
    for url in urls:
        parts = urlsplit(url)
        raw = parts.path + (f"?{parts.query}" if parts.query else "")
        events.append(proxy_event("GET", raw, {"Host": "127.0.0.1"}, b"", claims))
    profiler = cProfile.Profile()
    profiler.enable()
    for event in events:
        handler(event, context)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    text = out.getvalue()
    return (
        f"cProfile of {len(events)} handler calls (GET /jobs and GET /jobs/{{id}}, half each)\n"
        + text[text.find("   ncalls") :]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--runs-per-job", type=int, default=7)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "bench" / "results" / "api.json",
        help="where the figures are written as JSON (default: %(default)s)",
    )
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="forge-bench-api-"))
    home.chmod(0o755)
    server = None
    admin = os.environ.get("DATABASE_URL")
    if not admin:
        from forge.local.postgres import EmbeddedPostgres

        server = EmbeddedPostgres(home / "pgdata")
        admin = server.start("postgres")
    name = f"forge_bench_api_{uuid.uuid4().hex[:8]}"
    admin_sql(admin, f'CREATE DATABASE "{name}"')
    params = psycopg2.extensions.parse_dsn(admin)
    params["dbname"] = name
    dsn = psycopg2.extensions.make_dsn(**params)
    api = None
    try:
        from forge.db.migrate import migrate

        migrate(dsn)
        fill_s = fill(dsn, args.jobs, args.runs_per_job)
        print(f"inserted {args.jobs:,} jobs and {args.jobs * args.runs_per_job:,} runs in {fill_s:.1f}s")

        os.environ.update({"DATABASE_URL": dsn, "FORGE_HOME": str(home / "forge-home")})
        from forge.api.app import concurrent_handler as handler
        from forge.config import reset_settings
        from forge.local.api_server import ApiServer
        from forge.local.aws_emulator import LambdaContext
        from forge.local.tokens import LocalIssuer
        from forge.wiring import reset_deps

        reset_settings()
        reset_deps()
        issuer = LocalIssuer(home / "forge-home" / "auth")
        context = LambdaContext("forge-api", "arn:aws:lambda:us-east-1:123456789012:function:forge-api")
        server_ms: list[float] = []

        def timed_handler(event: dict, _ctx: object) -> dict:
            """The server time of one request: the Lambda handler, as API Gateway would bill it (the HTTP adapter
            and the token check before it are not in it)."""
            t0 = time.perf_counter()
            try:
                return handler(event, context)
            finally:
                server_ms.append((time.perf_counter() - t0) * 1000)

        api = ApiServer(timed_handler, issuer, 0)
        api.start()
        token = issuer.mint("bench", "ops")
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        base = f"{api.url}/api/v1/forge"

        conn = psycopg2.connect(dsn)
        with conn.cursor() as cur:
            cur.execute("SELECT id FROM forge_jobs ORDER BY random() LIMIT %s", (args.requests,))
            ids = [str(r[0]) for r in cur.fetchall()]
        conn.close()

        def get(url: str) -> requests.Response:
            return session.get(url, timeout=60)

        get(f"{base}/jobs")  # warm the pool and the caches
        cursors = []
        page = get(f"{base}/jobs?limit=50").json()
        for _ in range(20):
            cursors.append(page["next_cursor"])
            page = get(f"{base}/jobs?limit=50&cursor={page['next_cursor']}").json()
        filters = ["", "status=failed&", "cms=magento&", "requested_by=user7&"]
        # A request mix, not a secret: the standard generator is what this wants.
        list_urls = [
            f"{base}/jobs?{random.choice(filters)}limit=50" + (f"&cursor={random.choice(cursors)}" if i % 2 else "")  # noqa: S311
            for i in range(args.requests)
        ]
        detail_urls = [f"{base}/jobs/{i}" for i in ids]

        rows = []
        for label, urls in (
            ("GET /jobs (50/page, filters, cursors)", list_urls),
            ("GET /jobs/{id} (job + 7 runs)", detail_urls),
        ):
            for clients in sorted({1, args.clients}):
                server_ms.clear()
                p50, p99, rps = measure(token, urls, clients)
                ordered = sorted(server_ms)
                handled = (statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))])
                rows.append((label, clients, p50, p99, rps, *handled))
        print(f"\n{args.requests} requests per endpoint, loopback server\n")
        print(f"{'endpoint':<40} {'clients':>7} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'server p50':>10} {'p99':>6}")
        for label, clients, p50, p99, rps, s50, s99 in rows:
            print(f"{label:<40} {clients:7} {p50:8.1f} {p99:8.1f} {rps:8.0f} {s50:10.1f} {s99:6.1f}")
        profile = profile_handler(handler, context, issuer, list_urls[:300] + detail_urls[:300], base)
        print(profile)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_name("api_profile.txt").write_text(profile)
        args.out.write_text(
            json.dumps(
                {
                    "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "jobs": args.jobs,
                    "runs": args.jobs * args.runs_per_job,
                    "requests_per_endpoint": args.requests,
                    "cpus": os.cpu_count(),
                    "endpoints": [
                        {
                            "endpoint": label,
                            "clients": clients,
                            "p50_ms": round(p50, 1),
                            "p99_ms": round(p99, 1),
                            "req_per_s": round(rps),
                            "server_p50_ms": round(s50, 2),
                            "server_p99_ms": round(s99, 2),
                        }
                        for label, clients, p50, p99, rps, s50, s99 in rows
                    ],
                },
                indent=2,
            )
            + "\n"
        )
        print(f"\nwritten to {args.out}")
    finally:
        if api is not None:
            api.stop()
        from forge.db.connection import close_all

        close_all()
        admin_sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if server is not None:
            server.stop()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
