"""The real-WordPress sandbox: a fresh WordPress (SQLite) per run and per version, the plugin activated through
WordPress beside a WooCommerce stand-in, served with `php -S`, all inside the one isolated namespace the sandbox
step already runs in (bubblewrap locally, the Fargate task in AWS). Every PHP diagnostic is captured (E_ALL).

Builds come from the npm package @wp-playground/wordpress-builds (WordPress 6.2-6.5 zips, 6.6-RC3 as its "beta"
build, and the SQLite database integration plugin), fetched by scripts/bootstrap.sh; the trusted half copies the
zips the spec's range needs into the working directory (`stage_builds`), the isolated half unpacks them
(`run_site`). Served, the site also meets the fake payment provider (forge.cms.provider_api) and the money contracts
(site_contracts) run against it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from forge.cms import provider_api
from forge.cms.woocommerce import site_contracts
from forge.cms.woocommerce.platform import MINOR_UNIT_EXPONENTS, telemetry_prefix
from forge.errors import ForgeError
from forge.isolation.runner import Limits, apply_rlimits, run_bounded
from forge.isolation.staged_files import link_or_copy
from forge.isolation.untrusted_files import read_untrusted
from forge.models.spec import PluginSpec
from forge.packaging.archive import unzip_to_dir
from forge.paths import repo_root

ASSETS = Path(__file__).resolve().parent / "sandbox" / "wordpress"
GATEWAY_API = "woocommerce-gateway-api.php"  # the gateway classes the stand-in shares with standins.php
BUILDS = "wordpress-builds"  # in the staged input
SQLITE_ZIP = "sqlite-database-integration.zip"
WOOCOMMERCE_ZIP = "woocommerce.zip"  # downloads.wordpress.org/plugin/woocommerce.<version>.zip, when available
# WordPress (~1,500 files, ~15 MB) fits the plugin limits; the real WooCommerce build is several times larger.
BUILD_MAX_ENTRIES = 40_000
BUILD_MAX_BYTES = 600 * 1024 * 1024
MAX_DIAGNOSTICS_BYTES = 16 * 1024 * 1024
# The webhook protocol every generated plugin implements (the provider API document's x-webhook-signature).
SIGNATURE_HEADER = provider_api.signature_scheme()["signature-header"]
TIMESTAMP_HEADER = provider_api.signature_scheme()["timestamp-header"]
# php -S answers one request at a time unless it forks workers: the concurrency contracts need two at once.
SERVER_WORKERS = "4"


@dataclass
class SiteCheck:
    name: str
    ok: bool
    detail: str = ""
    # A contract suite (events, webhooks, permissions) when the check is also a plugin_contract_tests row.
    suite: str = ""


@dataclass
class SiteResult:
    wordpress: str
    woocommerce: str = "standin"
    # The exact build that ran (6.6-RC3, 6.5.5), as the installed WordPress reports it.
    release: str = ""
    checks: list[SiteCheck] = field(default_factory=list)
    diagnostics: list[dict[str, object]] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    @property
    def plugin_diagnostics(self) -> list[dict[str, object]]:
        return [d for d in self.diagnostics if d.get("plugin") or d.get("fatal")]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks) and not self.plugin_diagnostics

    def describe(self) -> str:
        lines = [f"WordPress {self.wordpress}: {'PASS' if self.ok else 'FAIL'}"]
        lines += [f"  {'✓' if c.ok else '✗'} {c.name}: {c.detail}" for c in self.checks]
        for d in self.plugin_diagnostics:
            lines.append(f"  PHP {d['type']} ({d['phase']}): {d['message']} in {d['file']}:{d['line']}")
        core = len(self.diagnostics) - len(self.plugin_diagnostics)
        if core:
            lines.append(f"  ({core} diagnostic(s) raised by WordPress core itself, not counted against the plugin)")
        return "\n".join(lines + [f"  {entry}" for entry in self.log])


def builds_source(configured: str | None) -> Path | None:
    """Where the wordpress-builds zips are: FORGE_WORDPRESS_BUILDS, else the bootstrap's vendor folder."""
    candidates = [Path(configured)] if configured else []
    # An installed package (the AWS image) has no checkout: there only the configured path counts.
    with contextlib.suppress(ForgeError):
        candidates.append(repo_root() / ".vendor" / "wp" / "node_modules" / "@wp-playground" / "wordpress-builds")
    for base in candidates:
        for folder in (base, base / "src" / "wordpress"):
            if any(folder.glob("wp-6.*.zip")):
                return folder
    return None


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def versions_for(spec: PluginSpec, available: list[str]) -> list[str]:
    """The builds inside the spec's WordPress range: its lowest and its highest (the range's two ends)."""
    low, high = _version_key(spec.version_range("wordpress").min), _version_key(spec.version_range("wordpress").tested)
    inside = sorted((v for v in available if low[:2] <= _version_key(v)[:2] <= high[:2]), key=_version_key)
    return sorted({inside[0], inside[-1]}, key=_version_key) if inside else []


def _release_candidate(folder: Path) -> str | None:
    """major.minor of the package's "beta" build when wp-versions.json says it is a release candidate (WordPress
    asks plugin authors to test RCs before they raise "Tested up to"); a beta or nightly does not count."""
    listing = folder / "wp-versions.json"
    if not (folder / "wp-beta.zip").is_file() or not listing.is_file():
        return None
    try:
        beta = str(json.loads(listing.read_text()).get("beta", ""))
    except ValueError:
        return None
    match = re.fullmatch(r"(\d+\.\d+)-RC\d+", beta)
    return match.group(1) if match else None


def available_builds(folder: Path) -> dict[str, str]:
    """major.minor -> the zip holding it: wp-6.x.zip for releases, wp-beta.zip for a release candidate."""
    builds = {p.stem.removeprefix("wp-"): p.name for p in folder.glob("wp-6.*.zip")}
    candidate = _release_candidate(folder)
    if candidate and candidate not in builds:
        builds[candidate] = "wp-beta.zip"
    return builds


def available_versions(folder: Path) -> list[str]:
    return sorted(available_builds(folder), key=_version_key)


def stage_builds(spec: PluginSpec, source: Path, workdir: Path) -> list[str]:
    """Trusted half: link (or copy) the zips the run needs into the working directory; returns the versions."""
    builds = available_builds(source)
    versions = versions_for(spec, sorted(builds, key=_version_key))
    target = workdir / BUILDS
    target.mkdir(parents=True, exist_ok=True)
    for version in versions:
        link_or_copy(source / builds[version], target / f"wp-{version}.zip")
    # npm layout: src/wordpress/wp-6.x.zip beside src/sqlite-database-integration/; image layout: one flat folder.
    sqlite = next(
        (f / SQLITE_ZIP for f in (source, source.parent / "sqlite-database-integration") if (f / SQLITE_ZIP).is_file()),
        None,
    )
    if sqlite is None:
        raise ForgeError(f"no {SQLITE_ZIP} beside the WordPress builds in {source}")
    link_or_copy(sqlite, target / SQLITE_ZIP)
    if (source / WOOCOMMERCE_ZIP).is_file():  # the AWS image ships the real WooCommerce
        link_or_copy(source / WOOCOMMERCE_ZIP, target / WOOCOMMERCE_ZIP)
    return versions


def staged_versions(workdir: Path) -> list[str]:
    return available_versions(workdir / BUILDS) if (workdir / BUILDS).is_dir() else []


def _unpack(archive: Path, target: Path, strip_prefix: str = "") -> None:
    """A zip-slip entry, a link or a bomb in a downloaded build fails the run rather than being skipped."""
    unzip_to_dir(archive, target, strip_prefix, max_entries=BUILD_MAX_ENTRIES, max_uncompressed=BUILD_MAX_BYTES)


def build_site(staged: Path, work: Path, version: str, plugin: Path, slug: str) -> Path:
    """A fresh site in the work folder: WordPress, no database yet, the SQLite drop-in, the stand-in, the plugin."""
    builds = staged / BUILDS
    site = work / f"site-{version}"
    shutil.rmtree(site, ignore_errors=True)
    _unpack(builds / f"wp-{version}.zip", site)
    # The playground build ships an installed database; a fresh install per run starts from none.
    shutil.rmtree(site / "wp-content" / "database", ignore_errors=True)
    (site / "wp-content" / "database").mkdir(parents=True)
    plugins = site / "wp-content" / "plugins"
    _unpack(builds / SQLITE_ZIP, plugins / "sqlite-database-integration", "sqlite-database-integration-main")
    shutil.copyfile(plugins / "sqlite-database-integration" / "db.copy", site / "wp-content" / "db.php")
    config = (ASSETS / "wp-config.php").read_text()
    for i in range(1, 9):
        config = config.replace(f"FORGE_SALT-{i}", secrets.token_hex(32))
    (site / "wp-config.php").write_text(config)
    if (builds / WOOCOMMERCE_ZIP).is_file():
        _unpack(builds / WOOCOMMERCE_ZIP, plugins)
    else:
        (plugins / "woocommerce").mkdir(exist_ok=True)
        shutil.copyfile(ASSETS / "woocommerce-standin.php", plugins / "woocommerce" / "woocommerce.php")
        shutil.copyfile(ASSETS.parent / GATEWAY_API, plugins / "woocommerce" / GATEWAY_API)
    # The sandbox's own must-use plugin: routes the provider's hosts to the fake provider when the run asks for it.
    (site / "wp-content" / "mu-plugins").mkdir(exist_ok=True)
    shutil.copyfile(ASSETS / "provider-route.php", site / "wp-content" / "mu-plugins" / "forge-provider-route.php")
    shutil.copytree(plugin, plugins / slug)
    return site


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _php(site: Path, extra: list[str]) -> list[str]:
    return ["php", "-d", f"auto_prepend_file={ASSETS / 'capture.php'}", "-d", "display_errors=stderr", *extra]


def _http(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
            return response.status, response.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(4096).decode("utf-8", "replace")
    except OSError as exc:
        return 0, str(exc)


def _wait_for(port: int, proc: subprocess.Popen[bytes], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


@dataclass(frozen=True)
class Secrets:
    """Per-run keys and webhook secrets: the gateway is configured with them, the fake provider expects them."""

    test_key: str
    live_key: str
    test_webhook: str
    live_webhook: str
    standin_token: str

    @staticmethod
    def fresh() -> Secrets:
        prefixes = provider_api.key_prefixes()
        return Secrets(
            test_key=prefixes["test"] + secrets.token_hex(12),
            live_key=prefixes["live"] + secrets.token_hex(12),
            test_webhook="whsec_" + secrets.token_hex(16),
            live_webhook="whsec_" + secrets.token_hex(16),
            standin_token=secrets.token_hex(16),
        )


def run_site(
    staged: Path,
    work: Path,
    spec: PluginSpec,
    main_file: str,
    version: str,
    limits: Limits,
    readme_claim: bool = False,
) -> SiteResult:
    """Install, activate, inspect, serve (and run the money contracts), deactivate and uninstall; every process
    bounded by `limits`. `readme_claim`: this is the newest version the run covers, so the plugin's readme "Tested
    up to" must name it."""
    real_wc = (staged / BUILDS / WOOCOMMERCE_ZIP).is_file()
    result = SiteResult(wordpress=version, woocommerce="real" if real_wc else "standin")
    slug = spec.slug
    site = build_site(staged, work, version, work / "plugin", slug)
    diagnostics = site / "diagnostics.jsonl"
    port = _free_port()
    keys = Secrets.fresh()
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",  # noqa: S108 - the sandbox's own /tmp
        "LANG": "C.UTF-8",
        "FORGE_DIAGNOSTICS": str(diagnostics),
        "FORGE_PLUGIN_DIR": str((site / "wp-content" / "plugins" / slug).resolve()) + "/",
        "FORGE_ENGINE_DIR": str((site / "wp-content" / "plugins" / "sqlite-database-integration").resolve()) + "/",
        "FORGE_SITE_HOST": f"127.0.0.1:{port}",
        "FORGE_WEBHOOK_SECRET": keys.test_webhook,
        "FORGE_LIVE_WEBHOOK_SECRET": keys.live_webhook,
        "FORGE_TEST_KEY": keys.test_key,
        "FORGE_LIVE_KEY": keys.live_key,
        "FORGE_STANDIN_TOKEN": keys.standin_token,
        "FORGE_CURRENCY": spec.currencies[0],
        "FORGE_PROBE_HOST": spec.api_base_url.split("/")[2],
    }
    main = f"{slug}/{main_file}"
    facts: dict[str, dict[str, object]] = {}

    def phase(name: str, **extra_env: str) -> dict[str, object]:
        done = run_bounded(
            _php(site, [str(ASSETS / "driver.php"), name, str(site), main]),
            site,
            limits,
            {**env, "FORGE_PHASE": name, **extra_env},
        )
        how = "timed out" if done.timed_out else f"exit {done.returncode}"
        result.log.append(f"phase {name}: {how}, {done.duration_ms} ms")
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
        try:
            parsed: dict[str, object] = json.loads(lines[-1]) if lines and done.ok else {}
        except ValueError:
            parsed = {}
        if not parsed:
            tail = (done.stderr.strip() or done.stdout.strip())[-400:]
            result.checks.append(SiteCheck(f"{name}_completed", False, f"{how}: {tail}"))
        facts[name] = parsed
        return parsed

    installed = phase("install")
    if installed:
        result.release = str(installed.get("wp_version") or "")
        result.checks.append(
            SiteCheck(
                "install",
                bool(installed.get("installed")),
                f"WordPress {installed.get('wp_version')} on {installed.get('db_engine')}",
            )
        )
    if readme_claim:
        result.checks.append(_tested_up_to_check(site / "wp-content" / "plugins" / slug, version))
    activated = phase("activate") if installed.get("installed") else {}
    if activated:
        error = str(activated.get("error") or "")
        result.checks.append(
            SiteCheck(
                "activation",
                bool(activated.get("active")) and not error,
                error or "activated through activate_plugin()",
            )
        )
    inspected = phase("inspect") if activated.get("active") else {}
    if inspected:
        gateway = str(inspected.get("gateway") or "")
        result.checks.append(
            SiteCheck("gateway_registered", bool(gateway), f"gateway '{gateway}' among {inspected.get('gateways')}")
        )
        http_ok = str(inspected.get("outbound_http", "")).startswith("failed")
        sock_ok = str(inspected.get("outbound_socket", "")).startswith("failed")
        result.checks.append(
            SiteCheck(
                "outbound_blocked",
                http_ok and sock_ok,
                f"wp_remote_get {inspected.get('outbound_http')}; socket {inspected.get('outbound_socket')}",
            )
        )
        if not real_wc:
            result.checks.append(_scheduled_check(inspected, telemetry_prefix(spec)))
            result.checks += _settings_checks(phase("settings"), spec, keys)
        _serve_checks(result, site, port, env, limits, spec, inspected, keys, real_wc)
        removed = phase("uninstall", FORGE_GATEWAY_ID=gateway)
        if removed:
            result.checks.append(SiteCheck("deactivation", bool(removed.get("deactivated")), "deactivate_plugins()"))
            leftover = list(removed.get("leftover_options") or [])  # type: ignore[call-overload]  # JSON: a list
            actions = list(removed.get("leftover_actions") or [])  # type: ignore[call-overload]  # JSON: a list
            result.checks.append(
                SiteCheck(
                    "uninstall_clean",
                    bool(removed.get("uninstallable")) and not leftover and not actions,
                    f"options left: {leftover}; scheduled actions left: {actions}"
                    if leftover or actions
                    else "uninstall removed its options and scheduled actions",
                )
            )
    # Written by the plugin's own PHP processes: read like any untrusted output (no link followed, bounded).
    captured = read_untrusted(diagnostics, MAX_DIAGNOSTICS_BYTES)
    if captured is not None:
        lines = captured.decode("utf-8", "replace").splitlines()
        if len(captured) == MAX_DIAGNOSTICS_BYTES:
            lines = lines[:-1]  # cut mid-line; the rest already fails the run
        result.diagnostics = [json.loads(line) for line in lines if line.strip()]
    result.checks.append(
        SiteCheck(
            "no_plugin_diagnostics",
            not result.plugin_diagnostics,
            f"{len(result.plugin_diagnostics)} error/warning/notice(s) from the plugin",
        )
    )
    return result


def _tested_up_to_check(plugin: Path, version: str) -> SiteCheck:
    """readme.txt claims "Tested up to" this very version: the newest this run installed."""
    readme = plugin / "readme.txt"
    text = readme.read_text("utf-8", "replace") if readme.is_file() else ""
    match = re.search(r"^Tested up to:\s*(\S+)\s*$", text, re.M | re.I)
    claim = match.group(1) if match else ""
    return SiteCheck(
        "readme_tested_up_to_ran",
        claim == version,
        f"readme.txt says Tested up to: {claim or '(none)'}; the newest WordPress this run installed is {version}",
    )


def _scheduled_check(inspected: dict[str, object], prefix: str) -> SiteCheck:
    actions = [a for a in inspected.get("scheduled") or [] if isinstance(a, dict)]  # type: ignore[attr-defined]
    recurring = [a for a in actions if str(a.get("hook", "")).startswith(prefix) and int(a.get("interval") or 0) > 0]
    return SiteCheck(
        "reconciliation_scheduled",
        any(int(a["interval"]) <= 3600 for a in recurring),
        f"recurring Action Scheduler actions after activation: {[(a['hook'], a['interval']) for a in recurring]}",
        suite="events",
    )


def _settings_checks(found: dict[str, object], spec: PluginSpec, keys: Secrets) -> list[SiteCheck]:
    if not found or found.get("error"):
        return [SiteCheck("settings_contracts", False, str(found.get("error") or "settings phase failed"))]
    checks = [
        SiteCheck(
            "keys_validated_on_save",
            bool(found.get("key_errors")) and bool(found.get("key_kept")),
            f"live key in the test field -> errors {found.get('key_errors')}, saved key kept: {found.get('key_kept')}",
            suite="permissions",
        ),
        SiteCheck(
            "test_mode_notice",
            bool(found.get("test_mode_note")),
            "admin notice while test mode is on" if found.get("test_mode_note") else "no test-mode notice",
            suite="permissions",
        ),
        SiteCheck(
            "transaction_link",
            str(found.get("transaction_url") or "").startswith("https://")
            and "pay_forge1" in str(found.get("transaction_url")),
            f"view transaction: {found.get('transaction_url')}",
            suite="events",
        ),
    ]
    if spec.features.webhooks:
        checks.append(
            SiteCheck(
                "hidden_without_webhook_secret",
                bool(found.get("offered"))
                and not found.get("offered_without_secret")
                and bool(found.get("notice_names_webhook")),
                f"offered with the secret: {found.get('offered')}; without: {found.get('offered_without_secret')}; "
                f"admin told why: {found.get('notice_names_webhook')}",
                suite="webhooks",
            )
        )
    return checks


def _start(argv: list[str], cwd: Path, env: dict[str, str], limits: Limits) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - fixed argv
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # apply_rlimits() makes it a session (and process group) leader: _stop() ends the php -S workers with it.
        preexec_fn=lambda: apply_rlimits(limits),  # noqa: PLW1509 - single-threaded child before exec
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _provider_env(work: Path, spec: PluginSpec, keys: Secrets) -> dict[str, str]:
    """The fake provider's files in the work folder: the compiled document, its keys, an empty state."""
    folder = work / "provider"
    folder.mkdir(parents=True, exist_ok=True)
    contract = folder / "provider-api.json"
    contract.write_bytes(provider_api.compiled_json(spec.api_base_url, spec.api_sandbox_base_url))
    config = folder / "config.json"
    config.write_text(
        json.dumps(
            {
                "keys": {"test": keys.test_key, "live": keys.live_key},
                "webhook_secrets": {"test": keys.test_webhook, "live": keys.live_webhook},
            }
        )
    )
    state = folder / "state.json"
    state.write_text("")
    return {
        "FORGE_PROVIDER_CONTRACT": str(contract),
        "FORGE_PROVIDER_CONFIG": str(config),
        "FORGE_PROVIDER_STATE": str(state),
        "PHP_CLI_SERVER_WORKERS": SERVER_WORKERS,
    }


def _serve_checks(
    result: SiteResult,
    site: Path,
    port: int,
    env: dict[str, str],
    limits: Limits,
    spec: PluginSpec,
    inspected: dict[str, object],
    keys: Secrets,
    real_wc: bool,
) -> None:
    provider_port = _free_port()
    provider_env = _provider_env(site.parent / f"{site.name}-provider", spec, keys)
    hosts = sorted({urlsplit(u).hostname or "" for u in (spec.api_base_url, spec.api_sandbox_base_url) if u})
    provider = _start(
        ["php", "-S", f"127.0.0.1:{provider_port}", str(provider_api.FAKE / "router.php")],
        site.parent,
        {"PATH": env["PATH"], "HOME": "/tmp", "LANG": "C.UTF-8", **provider_env},  # noqa: S108 - the sandbox's own /tmp
        limits,
    )
    # Two servers of the one site (same files, same database), as two PHP-FPM workers of a shop would be: php -S
    # with workers may queue two requests behind each other in one worker, two servers cannot.
    second_port = _free_port()
    site_env = {
        **env,
        "FORGE_PHASE": "http",
        "PHP_CLI_SERVER_WORKERS": SERVER_WORKERS,
        "FORGE_PROVIDER_URL": f"http://127.0.0.1:{provider_port}",
        "FORGE_PROVIDER_HOSTS": ",".join(hosts),
    }
    served = _start(_php(site, ["-S", f"127.0.0.1:{port}", "-t", str(site)]), site, site_env, limits)
    second = _start(_php(site, ["-S", f"127.0.0.1:{second_port}", "-t", str(site)]), site, site_env, limits)
    try:
        servers = ((port, served), (second_port, second), (provider_port, provider))
        if not all(_wait_for(p, proc) for p, proc in servers):
            result.checks.append(SiteCheck("served", False, "php -S did not start (site or fake provider)"))
            return
        base = f"http://127.0.0.1:{port}"
        status, _ = _http(f"{base}/")
        result.checks.append(SiteCheck("served", status == 200, f"GET / -> {status}"))
        routes = [str(r) for r in inspected.get("routes") or [] if "webhook" in str(r)]  # type: ignore[attr-defined]  # JSON: a list
        if spec.features.webhooks:
            _forged_signature_check(result, base, routes)
        if real_wc:
            result.log.append("money contracts: not run with the real WooCommerce (they drive the stand-in's checkout)")
            return
        currency = spec.currencies[0]
        shop = site_contracts.Site(
            base=base,
            second=f"http://127.0.0.1:{second_port}",
            provider=f"http://127.0.0.1:{provider_port}",
            token=keys.standin_token,
            gateway=str(inspected.get("gateway") or ""),
            currency=currency,
            exponent=MINOR_UNIT_EXPONENTS.get(currency, 2),
        )
        for contract in site_contracts.run_contracts(shop, spec, routes[0] if routes else ""):
            result.checks.append(SiteCheck(contract.name, contract.ok, contract.detail, suite=contract.suite))
    finally:
        for proc in (served, second, provider):
            _stop(proc)


def _forged_signature_check(result: SiteResult, base: str, routes: list[str]) -> None:
    if not routes:
        result.checks.append(SiteCheck("webhook_refuses_forged_signature", False, "no webhook REST route registered"))
        return
    body = json.dumps({"id": "evt_forged", "type": "payment.succeeded", "data": {"order_id": 1}}).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: "0" * 64,
        TIMESTAMP_HEADER: str(int(time.time())),
    }
    status, text = _http(f"{base}/?rest_route={routes[0]}", body, headers)
    refused = 400 <= status < 500 and status != 404
    result.checks.append(
        SiteCheck(
            "webhook_refuses_forged_signature",
            refused,
            f"POST {routes[0]} with a forged signature -> {status} {text[:120]}",
        )
    )
