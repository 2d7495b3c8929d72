"""The isolated half: build, test and sandbox checks. No database, no AWS.

Each check gets the staged input (read-only), an empty work folder of its own (the only place it writes) and a
runner for the tools; it returns a CheckReport. Tools work on a fresh copy of the plugin in the work folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from forge.cms import get_platform
from forge.config import get_settings
from forge.isolation.runner import Completed, Limits, Runner
from forge.isolation.untrusted_files import fresh_copy
from forge.models.results import CompatibilityRow, TestRow
from forge.models.spec import parse_spec
from forge.models.steps import Step
from forge.packaging.archive import write_tree
from forge.pipeline.container.plugin_tests import run_plugin_tests
from forge.pipeline.container.report import CheckReport
from forge.pipeline.container.staging import PLUGIN, read_input
from forge.pipeline.container.tools import install, platform_tools

# (staged input, work folder, runner, limits) -> report
Check = Callable[[Path, Path, Runner, Limits], CheckReport]


def _log(results: list[Completed]) -> str:
    return "\n".join(r.describe() for r in results)


def build(staged: Path, work: Path, runner: Runner, limits: Limits) -> CheckReport:
    inp = read_input(staged)
    platform = get_platform(parse_spec(inp["spec"]).platform)
    plugin = fresh_copy(staged / PLUGIN, work / PLUGIN)
    files = sorted(p.relative_to(plugin).as_posix() for p in plugin.rglob("*") if p.is_file())
    tools, tool_limits = platform_tools(platform, staged, runner, limits)
    results = [tools.run(c.argv, plugin, tool_limits) for c in platform.build_commands(files)]
    failed = [r for r in results if not r.ok]
    # The static analyser gates packaging: it scans exactly what would ship, as staged (no tool has touched it).
    # Imported here: its rules and parsers (about 20 ms) are the Build step's alone, and each step is a fresh process.
    from forge.gates import scan

    shipped = staged / PLUGIN
    report = scan(
        shipped,
        inp.get("allowed_hosts") or get_settings().allowed_hosts,
        exclude=platform.dist_exclude,
        platform_rules=platform.analyser_rules,
    )
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
        summary=f"{len(files)} files; {len(results)} build checks passed; scan: {report.summary()}",
        log=log,
    )


def sandbox(staged: Path, work: Path, runner: Runner, limits: Limits) -> CheckReport:
    inp = read_input(staged)
    spec = parse_spec(inp["spec"])
    platform = get_platform(spec.platform)
    fresh_copy(staged / PLUGIN, work / PLUGIN)
    write_tree(dict(platform.sandbox_files()), work)
    command = platform.sandbox_command(spec)
    tools, tool_limits = platform_tools(platform, staged, runner, limits)
    version = tools.run(platform.runtime_version.argv, work, tool_limits)
    installed = install(platform, work / PLUGIN, tools, tool_limits)
    result = installed[-1] if installed and not installed[-1].ok else tools.run(command.argv, work, tool_limits)
    php_version = version.stdout.strip() or "unknown"
    # Any diagnostic the runtime prints (PHP's warnings, notices, deprecations) fails the step, even with exit 0.
    clean = result.ok and not result.stderr.strip()
    compat = [
        CompatibilityRow(
            cms=spec.platform,
            cms_version="stand-ins",
            php_version=php_version,
            passed=clean,
            details={"command": " ".join(command.argv), "exit": result.returncode},
        )
    ]
    logs = [*(done.describe() for done in installed if done is not result), result.describe()]
    problems: list[str] = []
    rows: list[TestRow] = []
    if not clean:
        reason = (
            "timed out"
            if result.timed_out
            else (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[0]
        )
        problems.append(f"sandbox: {reason}")
    site = inp.get("site")
    if platform.run_platform is not None and site is not None:
        if site.get("error"):
            problems.append(f"sandbox: {site['error']}")
        for run in platform.run_platform(spec, staged, work, site, limits):
            logs.append(run.log)
            compat.append(
                CompatibilityRow(
                    cms=spec.platform,
                    cms_version=run.cms_version,
                    php_version=php_version,
                    passed=run.ok,
                    details={"checks": [{"name": n, "ok": ok, "detail": d} for n, ok, d in run.checks]},
                )
            )
            rows.append(
                TestRow(
                    suite="compatibility",
                    name=f"sandbox:{run.cms_version}",
                    result="pass" if run.ok else "fail",
                    details={"php_version": php_version, "summary": run.summary},
                )
            )
            rows.extend(run.contract_rows)
            if not run.ok:
                problems.append(f"sandbox {run.cms_version}: {run.summary}")
    # The first row is the plain load; the others are platform runs, named by what they ran on (a WordPress
    # version, the Shopify stand-in): the summary names them rather than calling every one a real platform.
    runs = [row.cms_version for row in compat[1:]]
    ran = f"; platform runs passed: {', '.join(runs)}" if runs else ""
    if problems:
        return CheckReport.model_validate(
            {
                "ok": False,
                "summary": "the plugin does not run cleanly" if clean else "the plugin does not load cleanly",
                "log": "\n".join(logs),
                "error": "; ".join(problems),
                "compatibility": compat,
                "contract_tests": rows,
            }
        )
    return CheckReport.model_validate(
        {
            "ok": True,
            "summary": f"plugin loaded under {platform.runtime_version.label.removesuffix(' version')} {php_version} "
            f"with no diagnostics{ran}",
            "log": "\n".join(logs),
            "compatibility": compat,
            "contract_tests": rows,
        }
    )


CHECKS: dict[Step, Check] = {Step.BUILD: build, Step.TEST: run_plugin_tests, Step.SANDBOX: sandbox}
