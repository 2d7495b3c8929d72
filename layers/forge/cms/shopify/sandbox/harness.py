"""The forge's side of the Shopify stand-in (never copied into the sandbox): the files the Sandbox step writes into
its working directory and the command that runs them there.

The stand-in's modules go to `sandbox/shopify/` (run as `python3 -m sandbox.shopify` with the system Python, stdlib
only) and the shared fake provider to `sandbox/provider/`, its servers the spec's base URLs as for the PHP
platforms."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from forge.cms import provider_api
from forge.cms.base import Command, PlatformRun
from forge.isolation.untrusted_files import read_untrusted
from forge.models.results import TestRow
from forge.models.spec import PluginSpec

FOLDER = Path(__file__).resolve().parent
# This module and the bytecode cache stay out; everything else in the folder is the stand-in.
NOT_COPIED = frozenset({"harness.py"})
STANDIN_PACKAGE = "sandbox/shopify"
PROVIDER_FOLDER = "sandbox/provider"
# Where the Sandbox step's stand-in writes its checks (the working directory is the step's own), read back by
# run_platform once the stand-in, and the app it stopped, are gone.
REPORT = "sandbox/standin-report.json"
MAX_REPORT_BYTES = 512 * 1024
RUN_NAME = "shopify-standin"
SUITES = ("events", "webhooks", "permissions", "compatibility")


@cache
def _standin_files() -> dict[str, bytes]:
    return {
        f"{STANDIN_PACKAGE}/{path.name}": path.read_bytes()
        for path in sorted(FOLDER.glob("*.py"))
        if path.name not in NOT_COPIED
    }


def sandbox_files(live_url: str | None = None, test_url: str | None = None) -> Mapping[str, bytes]:
    return {**_standin_files(), **provider_api.fake_files(PROVIDER_FOLDER, live_url, test_url)}


def standin_argv(spec: PluginSpec, app: str = "plugin") -> tuple[str, ...]:
    currency = spec.currencies[0]
    exponent = provider_api.MINOR_UNIT_EXPONENTS.get(currency, 2)
    argv = [
        "python3",
        "-m",
        "sandbox.shopify",
        app,
        PROVIDER_FOLDER,
        "--test-url",
        spec.api_sandbox_base_url or spec.api_base_url,
        "--live-url",
        spec.api_base_url,
        "--currency",
        currency,
        "--exponent",
        str(exponent),
    ]
    if not spec.features.webhooks:
        argv.append("--no-webhooks")
    if not spec.features.refunds:
        argv.append("--no-refunds")
    return tuple(argv)


def sandbox_command(spec: PluginSpec) -> Command:
    """The Shopify stand-in starts the app (built by the platform's install commands, which the step runs in
    `plugin/` first) and drives it; exit 0 and a silent stderr when every check held."""
    return Command(argv=(*standin_argv(spec), "--report", REPORT), label="Shopify stand-in (NOT Shopify)")


def stage_platform(spec: PluginSpec, staged: Path) -> dict[str, Any]:
    """Nothing to stage (the stand-in is the forge's own files); its run is recorded by run_platform."""
    return {"runs": [RUN_NAME]}


def _checks(data: bytes | None) -> list[dict[str, Any]]:
    try:
        loaded = json.loads(data or b"")
    except ValueError:
        return []
    items = loaded if isinstance(loaded, list) else []
    return [i for i in items if isinstance(i, dict) and {"suite", "name", "ok"} <= i.keys() and i["suite"] in SUITES]


def run_platform(spec: PluginSpec, staged: Path, work: Path, site: dict[str, Any], limits: Any) -> list[PlatformRun]:
    """The stand-in's checks as the Sandbox step's record: one PlatformRun, each check a contract row."""
    items = _checks(read_untrusted(work / REPORT, MAX_REPORT_BYTES))
    checks = [(str(i["name"]), i["ok"] is True, str(i.get("detail", ""))[:2000]) for i in items]
    failed = [name for name, ok, _ in checks if not ok]
    ok = bool(checks) and not failed
    summary = "all checks passed" if ok else f"failed: {', '.join(failed) or 'the stand-in wrote no report'}"
    rows = [
        TestRow.model_validate(
            {
                "suite": i["suite"],
                "name": f"sandbox:{RUN_NAME}:{name}",
                "result": "pass" if passed else "fail",
                "details": {"detail": detail},
            }
        )
        for i, (name, passed, detail) in zip(items, checks, strict=True)
    ]
    log = f"Shopify stand-in (NOT Shopify): {len(checks) - len(failed)} of {len(checks)} checks passed"
    return [PlatformRun(cms_version=RUN_NAME, ok=ok, summary=summary, log=log, checks=checks, contract_rows=rows)]
