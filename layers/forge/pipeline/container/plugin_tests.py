"""The Test step's isolated half: the plugin's own test suite, then the platform's contract suites.

Each phase works in a fresh copy of the staged (read-only) input: the plugin's tests get a folder of their own,
and the contract suites' files are written into a new folder after those tests and anything they left running
have ended (forge.isolation.leftovers), so nothing the plugin's tests did can shape the forge's own suites. Every
test case and every contract becomes a plugin_contract_tests row, recorded by the trusted half.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from forge.cms import get_platform
from forge.errors import StepFailed
from forge.isolation.runner import Limits, Runner
from forge.isolation.untrusted_files import fresh_copy, read_untrusted
from forge.models.results import TestRow
from forge.models.spec import parse_spec
from forge.pipeline.container.report import CheckReport
from forge.pipeline.container.staging import PLUGIN, read_input
from forge.pipeline.container.tools import install, platform_tools

JUNIT = "junit.xml"
# The report goes back to the trusted half inside a CheckReport (forge.pipeline.container.report.MAX_RESULT_BYTES).
MAX_JUNIT_BYTES = 4 * 1024 * 1024


def parse_junit(xml: bytes) -> list[TestRow]:
    """One result per <testcase>: pass, fail (failure or error) or skip."""
    try:
        # The plugin's own report, parsed in the isolated half under its limits: nothing in it the plugin could not
        # write plainly, and expat refuses entity expansion bombs (billion laughs) by itself.
        root = ElementTree.fromstring(xml)  # noqa: S314
    except ElementTree.ParseError as exc:
        raise StepFailed(f"unreadable JUnit report: {exc}") from None
    results = []
    for case in root.iter("testcase"):
        name = f"{case.get('class') or case.get('classname') or ''}::{case.get('name')}".lstrip(":")
        problem = case.find("failure") if case.find("failure") is not None else case.find("error")
        details: dict[str, str | None]
        if problem is not None:
            result, details = "fail", {"message": (problem.get("message") or problem.text or "")[:2000]}
        elif case.find("skipped") is not None:
            result, details = "skip", {}
        else:
            result, details = "pass", {}
        details["time"] = case.get("time")
        results.append(TestRow.model_validate({"suite": "unit", "name": name, "result": result, "details": details}))
    return results


def run_plugin_tests(staged: Path, work: Path, runner: Runner, limits: Limits) -> CheckReport:
    inp = read_input(staged)
    spec = parse_spec(inp["spec"])
    platform = get_platform(spec.platform)
    unit = work / "unit"
    unit.mkdir()
    fresh_copy(staged / PLUGIN, unit / PLUGIN)
    command = platform.test_command(f"../{JUNIT}")
    tools, tool_limits = platform_tools(platform, staged, runner, limits)
    installed = install(platform, unit / PLUGIN, tools, tool_limits)
    if installed and not installed[-1].ok:
        return CheckReport(
            ok=False,
            summary="the plugin's dependencies did not install",
            log="\n".join(done.describe() for done in installed),
            error=f"{' '.join(installed[-1].argv)} exited {installed[-1].returncode}",
        )
    completed = tools.run(command.argv, unit / PLUGIN, tool_limits)
    logs = [*(done.describe() for done in installed), completed.describe()]
    report = read_untrusted(unit / JUNIT, MAX_JUNIT_BYTES) or b""
    if not report:
        return CheckReport(
            ok=False,
            summary="no test report",
            log="\n".join(logs),
            error=f"{command.label} produced no JUnit report (exit {completed.returncode})",
        )
    suites = None
    if platform.contract_suites is not None:
        # The forge's own suites: the plugin's tests are not trusted to cover events, webhooks, permissions.
        contracts = work / "contracts"
        contracts.mkdir()
        fresh_copy(staged / PLUGIN, contracts / PLUGIN)
        suites = platform.contract_suites(spec, contracts, tools, tool_limits, list(inp["allowed_hosts"]))
        logs.append(suites.log)
    log = "\n".join(logs)
    try:
        results = parse_junit(report)
    except StepFailed as exc:
        return CheckReport(ok=False, summary="unreadable test report", log=log, error=str(exc), test_report=report)
    contract_rows = suites.rows if suites else []
    outcome: dict[str, Any] = {
        "log": log,
        "test_report": report,
        "contract_tests": [*results, *contract_rows],
        "compatibility": suites.compatibility if suites else [],
    }
    failed = [r.name for r in results if r.result == "fail"]
    passed = sum(1 for r in results if r.result == "pass")
    contract_failed = [f"{r.suite}:{r.name}" for r in contract_rows if r.result == "fail"]
    contract_passed = sum(1 for r in contract_rows if r.result == "pass")
    if failed or not completed.ok:
        error = (
            f"{len(failed)} of {len(results)} tests failed: {', '.join(map(str, failed[:5]))}"
            if failed
            else f"{command.label} exited {completed.returncode}"
        )
        return CheckReport.model_validate(
            {"ok": False, "summary": "the plugin's tests failed", "error": error, **outcome}
        )
    if not results:
        return CheckReport.model_validate(
            {"ok": False, "summary": "no tests", "error": "the plugin has no tests", **outcome}
        )
    if contract_failed:
        error = (
            f"{len(contract_failed)} of {len(contract_rows)} contract tests failed: {', '.join(contract_failed[:5])}"
        )
        return CheckReport.model_validate({"ok": False, "summary": "contract tests failed", "error": error, **outcome})
    summary = f"{passed} tests passed"
    if contract_rows:
        skipped = len(contract_rows) - contract_passed
        summary += f"; contract suites: {contract_passed} passed, {skipped} skipped"
    counts = {"tests": len(results), "passed": passed, "contract_tests": len(contract_rows)}
    return CheckReport.model_validate({"ok": True, "summary": summary, "artifacts": counts, **outcome})
