"""The real-WordPress sandbox: a fresh WordPress (SQLite) per run and per version, the plugin activated through
WordPress beside a WooCommerce stand-in, served with `php -S`, all inside the one isolated namespace the sandbox
step already runs in (bubblewrap locally, the Fargate task in AWS). Every PHP diagnostic is captured (E_ALL).

Builds come from the npm package @wp-playground/wordpress-builds (WordPress 6.2-6.5 zips and the SQLite
database integration plugin), fetched by scripts/bootstrap.sh; the trusted half copies the zips the spec's range
needs into the working directory (`stage_builds`), the isolated half unpacks them (`run_site`).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from forge.errors import ForgeError
from forge.isolation.runner import Limits, apply_rlimits, run_bounded
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
# The Molam webhook protocol every generated plugin implements: hex HMAC-SHA256 of "{timestamp}.{body}".
SIGNATURE_HEADER = "X-Molam-Signature"
TIMESTAMP_HEADER = "X-Molam-Timestamp"


@dataclass
class SiteCheck:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class SiteResult:
    wordpress: str
    woocommerce: str = "standin"
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
    low, high = _version_key(spec.compatibility.wordpress.min), _version_key(spec.compatibility.wordpress.tested)
    inside = sorted((v for v in available if low[:2] <= _version_key(v)[:2] <= high[:2]), key=_version_key)
    return sorted({inside[0], inside[-1]}, key=_version_key) if inside else []


def available_versions(folder: Path) -> list[str]:
    return sorted((p.stem.removeprefix("wp-") for p in folder.glob("wp-6.*.zip")), key=_version_key)


def stage_builds(spec: PluginSpec, source: Path, workdir: Path) -> list[str]:
    """Trusted half: copy the zips the run needs into the working directory; returns the versions."""
    versions = versions_for(spec, available_versions(source))
    target = workdir / BUILDS
    target.mkdir(parents=True, exist_ok=True)
    for version in versions:
        shutil.copyfile(source / f"wp-{version}.zip", target / f"wp-{version}.zip")
    # npm layout: src/wordpress/wp-6.x.zip beside src/sqlite-database-integration/; image layout: one flat folder.
    sqlite = next(
        (f / SQLITE_ZIP for f in (source, source.parent / "sqlite-database-integration") if (f / SQLITE_ZIP).is_file()),
        None,
    )
    if sqlite is None:
        raise ForgeError(f"no {SQLITE_ZIP} beside the WordPress builds in {source}")
    shutil.copyfile(sqlite, target / SQLITE_ZIP)
    if (source / WOOCOMMERCE_ZIP).is_file():  # the AWS image ships the real WooCommerce
        shutil.copyfile(source / WOOCOMMERCE_ZIP, target / WOOCOMMERCE_ZIP)
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


def run_site(staged: Path, work: Path, spec: PluginSpec, main_file: str, version: str, limits: Limits) -> SiteResult:
    """Install, activate, inspect, serve, deactivate and uninstall; every process bounded by `limits`."""
    real_wc = (staged / BUILDS / WOOCOMMERCE_ZIP).is_file()
    result = SiteResult(wordpress=version, woocommerce="real" if real_wc else "standin")
    slug = spec.slug
    site = build_site(staged, work, version, work / "plugin", slug)
    diagnostics = site / "diagnostics.jsonl"
    port = _free_port()
    secret = secrets.token_hex(16)
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",  # noqa: S108 - the sandbox's own /tmp
        "LANG": "C.UTF-8",
        "FORGE_DIAGNOSTICS": str(diagnostics),
        "FORGE_PLUGIN_DIR": str((site / "wp-content" / "plugins" / slug).resolve()) + "/",
        "FORGE_SITE_HOST": f"127.0.0.1:{port}",
        "FORGE_WEBHOOK_SECRET": secret,
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
        result.checks.append(
            SiteCheck(
                "install",
                bool(installed.get("installed")),
                f"WordPress {installed.get('wp_version')} on {installed.get('db_engine')}",
            )
        )
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
        _serve_checks(result, site, port, env, limits, spec, inspected)
        removed = phase("uninstall", FORGE_GATEWAY_ID=gateway)
        if removed:
            result.checks.append(SiteCheck("deactivation", bool(removed.get("deactivated")), "deactivate_plugins()"))
            leftover = list(removed.get("leftover_options") or [])  # type: ignore[call-overload]  # JSON: a list
            result.checks.append(
                SiteCheck(
                    "uninstall_clean",
                    bool(removed.get("uninstallable")) and not leftover,
                    f"options left: {leftover}" if leftover else "uninstall removed its options",
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


def _serve_checks(
    result: SiteResult,
    site: Path,
    port: int,
    env: dict[str, str],
    limits: Limits,
    spec: PluginSpec,
    inspected: dict[str, object],
) -> None:
    argv = _php(site, ["-S", f"127.0.0.1:{port}", "-t", str(site)])
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        argv,
        cwd=site,
        env={**env, "FORGE_PHASE": "http"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: apply_rlimits(limits),  # noqa: PLW1509 - single-threaded child before exec
    )
    try:
        if not _wait_for(port, proc):
            result.checks.append(SiteCheck("served", False, "php -S did not start"))
            return
        base = f"http://127.0.0.1:{port}"
        status, _ = _http(f"{base}/")
        result.checks.append(SiteCheck("served", status == 200, f"GET / -> {status}"))
        if not spec.features.webhooks:
            return
        routes = [str(r) for r in inspected.get("routes") or [] if "webhook" in str(r)]  # type: ignore[attr-defined]  # JSON: a list
        if not routes:
            result.checks.append(
                SiteCheck("webhook_refuses_forged_signature", False, "no webhook REST route registered")
            )
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
    finally:
        proc.kill()
        proc.wait()
