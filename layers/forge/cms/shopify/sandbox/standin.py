"""The Shopify stand-in's entry point: set up the run (test CA, GraphQL Admin endpoint, fake provider behind a live
and a test base URL, the app), drive the scenarios, check the outbound allowlist with a second app, and report.

Exit 0 only when every check passed, with nothing on stderr; otherwise exit 1 and one line on stderr naming the
failed checks. Every check is also a JSON line on stdout (checks.py)."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path

from . import access, payment_flows, webhook_attacks
from .admin_api import AdminApi
from .app import App, AppConfig
from .checks import Checks
from .client import AppClient
from .layout import read_layout
from .provider import KEYS, WEBHOOK_SECRETS, FakeProvider, Forwarder, Trap
from .run import PAYMENT_MINOR, Run, Shopify
from .sessions import Session, payment_session
from .test_ca import make_run_certificates

ACCESS_TOKEN = "shpat_forge_standin_0000000000000000"  # noqa: S105 - made up for the run, not Shopify's
API_SECRET = "forge-standin-api-secret"  # noqa: S105 - made up for the run, not Shopify's


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="shopify-standin", description="The Shopify stand-in (NOT Shopify).")
    parser.add_argument("app", type=Path, help="the app folder (holding dist/server.js once built)")
    parser.add_argument("provider", type=Path, help="the fake provider's folder (router.php, provider-api.json)")
    parser.add_argument("--test-url", required=True, help="the provider's test base URL (the spec's)")
    parser.add_argument("--live-url", required=True, help="the provider's live base URL (the spec's)")
    parser.add_argument("--currency", default="EUR")
    parser.add_argument("--exponent", type=int, default=2, help="the currency's minor-unit exponent")
    parser.add_argument("--no-webhooks", action="store_true", help="the spec turns provider webhooks off")
    parser.add_argument("--no-refunds", action="store_true", help="the spec turns refunds off")
    parser.add_argument("--report", type=Path, help="also write the checks here as JSON")
    return parser.parse_args(argv)


def _node_version() -> str:
    done = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)  # noqa: S607
    return done.stdout.strip() or "unknown"


def _app_env(certs_dir: Path, admin_url: str, provider_urls: dict[str, str], allowed: str) -> dict[str, str]:
    """The app's environment: `provider_urls` are its live and test base URLs (the two forwarders)."""
    return {
        "TLS_CERT_FILE": str(certs_dir / "app-server.crt"),
        "TLS_KEY_FILE": str(certs_dir / "app-server.key"),
        "SHOPIFY_CLIENT_CA_FILE": str(certs_dir / "shopify-ca.crt"),
        "SHOPIFY_ADMIN_API_URL": admin_url,
        "SHOPIFY_ADMIN_CA_FILE": str(certs_dir / "servers-ca.crt"),
        "SHOPIFY_ACCESS_TOKEN": ACCESS_TOKEN,
        "SHOPIFY_API_SECRET": API_SECRET,
        "PROVIDER_BASE_URL": provider_urls["live"],
        "PROVIDER_CA_FILE": str(certs_dir / "servers-ca.crt"),
        "PROVIDER_API_KEY": KEYS["live"],
        "PROVIDER_WEBHOOK_SECRET": WEBHOOK_SECRETS["live"],
        "PROVIDER_TEST_BASE_URL": provider_urls["test"],
        "PROVIDER_TEST_API_KEY": KEYS["test"],
        "PROVIDER_TEST_WEBHOOK_SECRET": WEBHOOK_SECRETS["test"],
        "ALLOWED_HOSTS": allowed,
    }


def _guarded(checks: Checks, name: str, step: Callable[[], object]) -> None:
    """A scenario that raises is a failed check with its reason, not a traceback on stderr."""
    try:
        step()
    except Exception as error:  # noqa: BLE001 - any failure of the app under test is a result to report
        checks.add("events", f"{name}_ran", False, f"{type(error).__name__}: {error}")


def _drive(run: Run) -> None:
    paid: list[Session | None] = []
    _guarded(run.checks, "payment_succeeds", lambda: paid.append(payment_flows.payment_succeeds(run)[0]))
    _guarded(run.checks, "payment_fails", lambda: payment_flows.payment_fails(run))
    if paid and paid[0] is not None:
        session = paid[0]
        _guarded(run.checks, "refund", lambda: payment_flows.refund(run, session))
        _guarded(run.checks, "capture_and_void", lambda: payment_flows.capture_and_void(run, session))
    else:
        run.checks.add("events", "refund_session_resolves", False, "no paid session to refund")
    _guarded(run.checks, "modes", lambda: payment_flows.modes(run))
    _guarded(run.checks, "forged_provider_webhooks", lambda: webhook_attacks.forged_provider_webhooks(run))
    _guarded(run.checks, "compliance_webhooks", lambda: webhook_attacks.compliance_webhooks(run))
    _guarded(run.checks, "client_certificates", lambda: access.client_certificates(run))
    access.graphql_calls_authenticated(run)
    access.provider_contract(run)


def _outbound_allowlist(args: argparse.Namespace, work: Path, admin: AdminApi, run: Run) -> None:
    """A second app whose provider lies on 127.0.0.2, outside ALLOWED_HOSTS: it must never connect there (refusing
    to start, or refusing the payment, both hold)."""
    trap = Trap()
    provider_url = f"https://{trap.host}:{trap.port}/v1"
    env = _app_env(work / "certs", admin.url, {"live": provider_url, "test": provider_url}, "127.0.0.1")
    app = App(AppConfig(args.app.resolve(), work / "data-outbound", env), work / "app-outbound.log")
    try:
        answer = None
        if app.started:
            client = AppClient(app.port, str(run.certs.servers_ca))
            session = payment_session(
                run.layout.sessions["payment_session_url"], PAYMENT_MINOR, run.exponent, run.currency
            )
            answer = client.post(session.path, session.body, session.headers, run.certs.shopify_client)
        paid = answer is not None and 200 <= answer.status < 300 and bool(answer.json().get("redirect_url"))
        detail = answer.describe() if answer else f"app did not start (exit {app.exit_code()}): {app.output(300)}"
        run.checks.add(
            "permissions",
            "outbound_request_outside_allowlist_fails",
            trap.connections == 0 and not paid,
            f"connections to {trap.host}: {trap.connections}; {detail}",
        )
    finally:
        app.close()
        trap.close()


def _run(args: argparse.Namespace, work: Path, checks: Checks, stack: ExitStack) -> None:
    # The app runs where it is (read-only in the isolation's /input is fine): it writes only to DATA_DIR.
    app_folder = args.app.resolve()
    built = (app_folder / "dist" / "server.js").is_file()
    if not checks.add("compatibility", "app_is_built", built, "" if built else "no dist/server.js: install it first"):
        return
    layout = read_layout(app_folder)
    if not checks.add(
        "compatibility", "app_configuration_names_its_urls", not layout.problems, "; ".join(layout.problems)
    ):
        return
    certs = make_run_certificates(work / "certs")
    admin = AdminApi(certs.admin_server)
    stack.callback(admin.close)
    fake = FakeProvider(args.provider.resolve(), work, args.test_url, args.live_url)
    stack.callback(fake.close)
    spec_urls = {"test": args.test_url, "live": args.live_url}
    forwarders = {mode: Forwarder(fake, url, certs.provider_server) for mode, url in spec_urls.items()}
    for forwarder in forwarders.values():
        stack.callback(forwarder.close)
    env = _app_env(work / "certs", admin.url, {m: f.base_url for m, f in forwarders.items()}, "127.0.0.1")
    app = App(AppConfig(app_folder, work / "data", env), work / "app.log")
    stack.callback(app.close)
    node = _node_version()
    started = app.started
    checks.add("compatibility", f"app_starts_under_node_{node}", started, "" if started else app.output())
    if not started:
        return
    shopify = Shopify(ACCESS_TOKEN, API_SECRET)
    client = AppClient(app.port, str(certs.servers_ca))
    run = Run(
        checks,
        client,
        certs,
        admin,
        fake,
        layout,
        shopify,
        args.currency,
        args.exponent,
        webhooks=not args.no_webhooks,
        refunds=not args.no_refunds,
        provider_urls=spec_urls,
    )
    _drive(run)
    exited = app.exit_code()
    checks.add("compatibility", "app_still_running", exited is None, "" if exited is None else app.output())
    app.close()
    _guarded(checks, "outbound_allowlist", lambda: _outbound_allowlist(args, work, admin, run))


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    checks = Checks()
    work = Path(tempfile.mkdtemp(prefix="shopify-standin-"))
    try:
        with ExitStack() as stack:
            _guarded(checks, "stand_in", lambda: _run(args, work, checks, stack))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.report is not None:
        try:
            args.report.write_text(json.dumps([asdict(c) for c in checks.found], indent=1), "utf-8")
        except OSError as error:
            sys.stderr.write(f"Shopify stand-in: cannot write its report {args.report}: {error.strerror}\n")
            return 1
    if checks.ok:
        return 0
    failed = [c.name for c in checks.found if not c.ok] or ["no check ran"]
    sys.stderr.write(f"Shopify stand-in: {len(failed)} check(s) failed: {', '.join(failed)}\n")
    return 1
