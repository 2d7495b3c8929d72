"""The isolated half: build and sandbox checks over a staged working directory. No database, no AWS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from forge.cms import get_platform
from forge.config import get_settings
from forge.gates import scan
from forge.isolation.runner import Completed, Limits, Runner
from forge.models.job import Step
from forge.models.spec import parse_spec
from forge.packaging.archive import write_tree

INPUT = "input.json"
RESULT = "result.json"


class CheckReport(BaseModel):
    ok: bool
    summary: str
    log: str
    error: str | None = None
    compatibility: list[dict[str, Any]] = []
    # plugin_contract_tests rows (the compatibility suite's real-site runs).
    contract_tests: list[dict[str, Any]] = []


def _log(results: list[Completed]) -> str:
    return "\n".join(r.describe() for r in results)


def build(workdir: Path, runner: Runner, limits: Limits) -> CheckReport:
    inp = json.loads((workdir / INPUT).read_text())
    platform = get_platform(parse_spec(inp["spec"]).platform)
    plugin = workdir / "plugin"
    php_files = sorted(p.relative_to(plugin).as_posix() for p in plugin.rglob("*.php"))
    results = [runner.run(c.argv, plugin, limits) for c in platform.build_commands(php_files)]
    failed = [r for r in results if not r.ok]
    # The static analyser gates packaging: it scans exactly what would ship.
    report = scan(plugin, inp.get("allowed_hosts") or get_settings().allowed_hosts, exclude=platform.dist_exclude)
    log = "\n".join([_log(results), "$ forge scan plugin", report.describe()])
    if failed:
        first = failed[0]
        detail = (first.stderr.strip() or first.stdout.strip()).splitlines()
        return CheckReport(
            ok=False,
            summary=f"{len(failed)} of {len(results)} build checks failed; scan: {report.summary()}",
            log=log,
            error=f"{' '.join(first.argv)}: {detail[0] if detail else 'failed'}",
        )
    if not report.ok:
        first_error = report.errors[0]
        return CheckReport(
            ok=False,
            summary=f"static analysis blocked the plugin: {report.summary()}",
            log=log,
            error=f"scan: {len(report.errors)} error finding(s); first: {first_error.rule} "
            f"{first_error.path}:{first_error.line} {first_error.message}",
        )
    return CheckReport(
        ok=True,
        summary=f"{len(php_files)} PHP files lint clean; {len(results)} checks passed; scan: {report.summary()}",
        log=log,
    )


def sandbox(workdir: Path, runner: Runner, limits: Limits) -> CheckReport:
    inp = json.loads((workdir / INPUT).read_text())
    spec = parse_spec(inp["spec"])
    platform = get_platform(spec.platform)
    write_tree(dict(platform.sandbox_files()), workdir)
    command = platform.sandbox_command(spec)
    version = runner.run(["php", "-r", "echo PHP_VERSION;"], workdir, limits)
    result = runner.run(command.argv, workdir, limits)
    php_version = version.stdout.strip() or "unknown"
    # Any diagnostic PHP prints (warning, notice, deprecation) fails the step, even with exit 0.
    clean = result.ok and not result.stderr.strip()
    compat = [
        {
            "cms": spec.platform,
            "cms_version": "stand-ins",
            "php_version": php_version,
            "passed": clean,
            "details": {"command": " ".join(command.argv), "exit": result.returncode},
        }
    ]
    logs = [result.describe()]
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    if not clean:
        reason = (
            "timed out"
            if result.timed_out
            else (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[0]
        )
        problems.append(f"sandbox: {reason}")
    site = inp.get("site")
    if platform.run_site is not None and site is not None:
        if site.get("error"):
            problems.append(f"sandbox: {site['error']}")
        for run in platform.run_site(spec, workdir, site, limits):
            logs.append(run.log)
            compat.append(
                {
                    "cms": spec.platform,
                    "cms_version": run.cms_version,
                    "php_version": php_version,
                    "passed": run.ok,
                    "details": {"checks": [{"name": n, "ok": ok, "detail": d} for n, ok, d in run.checks]},
                }
            )
            rows.append(
                {
                    "suite": "compatibility",
                    "name": f"sandbox:{run.cms_version}",
                    "result": "pass" if run.ok else "fail",
                    "details": {"php_version": php_version, "summary": run.summary},
                }
            )
            if not run.ok:
                problems.append(f"sandbox {run.cms_version}: {run.summary}")
    sites = len(compat) - 1
    if problems:
        return CheckReport(
            ok=False,
            summary="the plugin does not run cleanly" if clean else "the plugin does not load cleanly",
            log="\n".join(logs),
            error="; ".join(problems),
            compatibility=compat,
            contract_tests=rows,
        )
    return CheckReport(
        ok=True,
        summary=f"plugin loaded under PHP {php_version} with no diagnostics; {sites} real site run(s) passed",
        log="\n".join(logs),
        compatibility=compat,
        contract_tests=rows,
    )


CHECKS = {Step.BUILD: build, Step.SANDBOX: sandbox}


def stage(workdir: Path, spec_params: dict[str, Any], tree: dict[str, bytes], step: Step | None = None) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    # The isolated half runs with a cleared environment: the trusted half hands it the allowlist.
    inp: dict[str, Any] = {"spec": spec_params, "allowed_hosts": sorted(settings.allowed_hosts)}
    if step is Step.SANDBOX:
        spec = parse_spec(spec_params)
        platform = get_platform(spec.platform)
        if platform.stage_site is not None:
            inp["site"] = platform.stage_site(spec, workdir, settings.wordpress_builds)
    (workdir / INPUT).write_text(json.dumps(inp))
    write_tree(tree, workdir / "plugin")
