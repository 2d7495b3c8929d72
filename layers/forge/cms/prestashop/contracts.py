"""Contract suites of the Test step for PrestaShop modules, with PrestaShop meanings:

- events: the module's life on the PrestaShop stand-in (install registers its hooks and order state, the payment
  option, validateOrder exactly once on return, the credit slip refunds once, uninstall cleans up);
- webhooks: signed, fresh, de-duplicated events that move an order once (or create it when the customer never
  returns);
- permissions: the return belongs to the cart's customer (secure key), credentials are stored and never echoed,
  a key of the other mode is refused, test mode uses the test key;
- compatibility: ps_versions_compliancy and config.xml against the spec, every file linted by the PHP here.

The first three come from sandbox/driver.php run inside the isolation against the shared fake provider; the
fourth is read from the source here (never executed). Each result is a plugin_contract_tests row.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from forge.cms import provider_api
from forge.cms.base import SuiteOutcome
from forge.cms.check_rows import check_row, rows_from_check_lines
from forge.models.results import CompatibilityRow, TestRow
from forge.models.spec import PluginSpec
from forge.packaging.archive import write_tree

SANDBOX = Path(__file__).resolve().parent / "sandbox"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version))


def static_results(spec: PluginSpec, plugin: Path) -> list[TestRow]:
    main = plugin / f"{spec.slug}.php"
    source = main.read_text("utf-8", "replace") if main.is_file() else ""
    found = re.search(
        r"ps_versions_compliancy\s*=\s*\[\s*'min'\s*=>\s*'([\d.]+)'\s*,\s*'max'\s*=>\s*'([\d.]+)'", source
    )
    shop = spec.version_range("platform")
    covers = (
        found is not None
        and _version_key(found.group(1)) <= _version_key(shop.min)
        and _version_key(found.group(2)) >= _version_key(shop.tested)
    )
    config = (plugin / "config.xml").read_text("utf-8", "replace") if (plugin / "config.xml").is_file() else ""
    version = re.search(r"<version>\s*([^<]+?)\s*</version>", config)
    return [
        check_row(
            "compatibility",
            "ps_versions_compliancy_covers_spec",
            covers,
            f"{found.groups() if found else 'none'} vs {shop.min}-{shop.tested}",
        ),
        check_row(
            "compatibility",
            "config_xml_version_is_spec_version",
            version is not None and version.group(1) == spec.version,
            version.group(1) if version else "no <version>",
        ),
    ]


def run_suites(spec: PluginSpec, workdir: Path, runner: Any, limits: Any, hosts: list[str]) -> SuiteOutcome:
    files = {f"sandbox/{p.name}": p.read_bytes() for p in SANDBOX.glob("*.php")}
    files.update(provider_api.fake_files("sandbox/provider"))
    write_tree(files, workdir)
    live, test = spec.api_base_url, spec.api_sandbox_base_url or spec.api_base_url
    argv = [
        "php",
        "-d",
        "error_reporting=-1",
        "-d",
        "display_errors=stderr",
        "sandbox/driver.php",
        "plugin",
        spec.slug,
        live,
        test,
    ]
    done = runner.run(argv, workdir, limits)
    rows = rows_from_check_lines(done.stdout)
    if not rows or done.stderr.strip():
        rows.append(check_row("events", "driver_ran_cleanly", False, done.stderr.strip() or f"exit {done.returncode}"))
    rows += static_results(spec, workdir / "plugin")
    version = runner.run(["php", "-r", "echo PHP_VERSION;"], workdir, limits).stdout.strip() or "unknown"
    lint = [
        runner.run(["php", "-l", p.relative_to(workdir / "plugin").as_posix()], workdir / "plugin", limits)
        for p in sorted((workdir / "plugin").rglob("*.php"))
    ]
    lint_ok = all(r.ok for r in lint)
    rows.append(check_row("compatibility", f"php_{version}_lints_every_file", lint_ok, f"{len(lint)} files"))
    compat = [
        CompatibilityRow(
            cms=spec.platform,
            cms_version="prestashop-standin",
            php_version=version,
            passed=all(r.result == "pass" for r in rows),
            details={"rows": len(rows)},
        )
    ]
    return SuiteOutcome(rows=rows, compatibility=compat, log=done.describe())
