"""Contract suites of the Test step for Shopify payments apps, with Shopify meanings:

- events: the payment session answers a redirect_url and creates one provider payment (none more for the same
  request), the provider's success resolves the session (paymentSessionResolve), its failure rejects it, a refund
  session resolves (refundSessionResolve), amounts reach the provider in minor units, every request to the provider
  matches the shared API document;
- webhooks: a forged, stale or redelivered provider webhook moves nothing (twice); the compliance webhooks refuse a
  forged HMAC and accept Shopify's;
- permissions: the session URLs refuse a client without Shopify's certificate or with another CA's, every GraphQL
  call carries the access token, an outbound request outside ALLOWED_HOSTS fails;
- compatibility: the app builds and starts under the Node here, its package.json and extension match the spec.

The first three and part of the fourth come from the Shopify stand-in (sandbox/, run inside the isolation exactly
as the Sandbox step runs it); the rest is read from the app's files here (never executed).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from forge.cms.base import SuiteOutcome
from forge.cms.check_rows import check_row, rows_from_check_lines
from forge.cms.shopify.sandbox import harness
from forge.models.results import CompatibilityRow, TestRow
from forge.models.spec import PluginSpec
from forge.packaging.archive import write_tree

SESSION_URLS = ("payment_session_url", "refund_session_url", "capture_session_url", "void_session_url")


def _major(version: str) -> int | None:
    found = re.search(r"\d+", version)
    return int(found.group()) if found else None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _extension(app: Path) -> dict[str, Any]:
    for path in sorted(app.glob("extensions/*/shopify.extension.toml")):
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        for extension in data.get("extensions", [data]):
            if isinstance(extension, dict) and extension.get("type") == "payments_extension":
                return extension
    return {}


def static_results(spec: PluginSpec, app: Path, node_version: str) -> list[TestRow]:
    package = _read_json(app / "package.json")
    engines = package.get("engines") if isinstance(package.get("engines"), dict) else {}
    wanted = str((engines or {}).get("node", ""))
    low, here = _major(wanted), _major(node_version)
    extension = _extension(app)
    missing = [key for key in SESSION_URLS if not str(extension.get(key, "")).startswith("https://")]
    return [
        check_row(
            "compatibility",
            f"engines_node_admits_node_{node_version}",
            low is not None and here is not None and low <= here,
            f"package.json engines.node {wanted or 'missing'}; node here {node_version}",
        ),
        check_row(
            "compatibility",
            "package_version_is_spec_version",
            package.get("version") == spec.version,
            f"package.json version {package.get('version')!r}, spec {spec.version}",
        ),
        check_row(
            "compatibility",
            "payments_extension_names_its_https_session_urls",
            bool(extension) and not missing,
            "no payments_extension" if not extension else f"missing or not https: {missing}",
        ),
    ]


def _install(spec: PluginSpec, plugin: Path, runner: Any, limits: Any) -> Any:
    """The platform's own install commands (offline npm, tsc) in the suites' fresh copy; the first that fails."""
    from forge.cms.shopify.platform import install_commands

    for command in install_commands():
        done = runner.run(command.argv, plugin, limits)
        if not done.ok:
            return done
    return None


def run_suites(spec: PluginSpec, workdir: Path, runner: Any, limits: Any, allowed_hosts: list[str]) -> SuiteOutcome:
    """Every suite over `workdir/plugin`: the stand-in runs through `runner` (the isolation), parsing happens here.
    The stand-in's outbound allowlist is its own (loopback only): the app may reach nothing else in the sandbox."""
    failed = _install(spec, workdir / "plugin", runner, limits)
    write_tree(dict(harness.sandbox_files()), workdir)
    done = failed or runner.run(list(harness.standin_argv(spec)), workdir, limits)
    rows = rows_from_check_lines(done.stdout) if failed is None else []
    if failed is not None:
        output = (failed.stderr.strip() or failed.stdout.strip())[-1500:]
        rows.append(check_row("compatibility", "app_installs", False, f"{' '.join(failed.argv)}: {output}"))
    elif not rows:
        rows.append(check_row("events", "standin_ran", False, done.stderr.strip() or f"exit {done.returncode}"))
    node = runner.run(["node", "--version"], workdir, limits).stdout.strip() or "unknown"
    rows += static_results(spec, workdir / "plugin", node)
    compat = [
        CompatibilityRow(
            cms=spec.platform,
            cms_version="shopify-standin",
            php_version=f"node {node}",
            passed=all(r.result == "pass" for r in rows),
            details={"rows": len(rows), "failed": [r.name for r in rows if r.result == "fail"][:20]},
        )
    ]
    return SuiteOutcome(rows=rows, compatibility=compat, log=done.describe())


def contract_suites(spec: PluginSpec, workdir: Path, runner: Any, limits: Any, hosts: list[str]) -> SuiteOutcome:
    return run_suites(spec, workdir, runner, limits, hosts)
