"""Test: the plugin's own PHPUnit suite, then the platform's contract suites, run in isolation; each test case and
each contract becomes a plugin_contract_tests row."""

from __future__ import annotations

import tempfile
from pathlib import Path
from xml.etree import ElementTree

from forge.cms import get_platform
from forge.errors import StepFailed
from forge.isolation.runner import Limits
from forge.packaging.archive import unzip_tree, write_tree
from forge.pipeline import artifacts_layout
from forge.pipeline.bookkeeping import StepContext, StepOutcome

JUNIT = "junit.xml"


def parse_junit(xml: bytes) -> list[dict[str, object]]:
    """One result per <testcase>: pass, fail (failure or error) or skip."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise StepFailed(f"unreadable JUnit report: {exc}") from None
    results = []
    for case in root.iter("testcase"):
        name = f"{case.get('class') or case.get('classname') or ''}::{case.get('name')}".lstrip(":")
        problem = case.find("failure") if case.find("failure") is not None else case.find("error")
        if problem is not None:
            result, details = "fail", {"message": (problem.get("message") or problem.text or "")[:2000]}
        elif case.find("skipped") is not None:
            result, details = "skip", {}
        else:
            result, details = "pass", {}
        details["time"] = case.get("time")
        results.append({"suite": "unit", "name": name, "result": result, "details": details})
    return results


def run_tests(ctx: StepContext) -> StepOutcome:
    platform = get_platform(ctx.spec.platform)
    tree = unzip_tree(ctx.deps.artifacts.get(artifacts_layout.source_zip(ctx.job.id)))
    limits = Limits(
        cpu_seconds=ctx.deps.settings.step_timeout_seconds,
        memory_mb=ctx.deps.settings.step_memory_mb,
        wall_seconds=ctx.deps.settings.step_timeout_seconds,
    )
    suites = None
    with tempfile.TemporaryDirectory(prefix="forge-test-") as tmp:
        workdir = Path(tmp)
        write_tree(tree, workdir / "plugin")
        runner = ctx.deps.isolated_runner(workdir)
        command = platform.test_command(f"../{JUNIT}")
        completed = runner.run(command.argv, workdir / "plugin", limits)
        ctx.log(completed.describe())
        junit = workdir / JUNIT
        report = junit.read_bytes() if junit.is_file() else b""
        if report and platform.contract_suites is not None:
            # The forge's own suites: the plugin's tests are not trusted to cover events, webhooks, permissions.
            hosts = sorted(ctx.deps.settings.allowed_hosts)
            suites = platform.contract_suites(ctx.spec, workdir, runner, limits, hosts)
            ctx.log(suites.log)
    if not report:
        raise StepFailed(f"{command.label} produced no JUnit report (exit {completed.returncode})")
    ctx.deps.artifacts.put(artifacts_layout.test_report(ctx.job.id), report)
    results = parse_junit(report)
    contract_rows = suites.rows if suites else []
    ctx.deps.repos.packages.record_test_results(ctx.package_id, ctx.job.id, [*results, *contract_rows])
    for c in suites.compatibility if suites else []:
        ctx.deps.repos.packages.record_compatibility(
            ctx.package_id, c["cms"], c["cms_version"], c["php_version"], c["passed"], c["details"]
        )
    failed = [r["name"] for r in results if r["result"] == "fail"]
    passed = sum(1 for r in results if r["result"] == "pass")
    contract_failed = [f"{r['suite']}:{r['name']}" for r in contract_rows if r["result"] == "fail"]
    contract_passed = sum(1 for r in contract_rows if r["result"] == "pass")
    if failed or not completed.ok:
        raise StepFailed(
            f"{len(failed)} of {len(results)} tests failed: {', '.join(map(str, failed[:5]))}"
            if failed
            else f"{command.label} exited {completed.returncode}"
        )
    if not results:
        raise StepFailed("the plugin has no tests")
    if contract_failed:
        raise StepFailed(
            f"{len(contract_failed)} of {len(contract_rows)} contract tests failed: {', '.join(contract_failed[:5])}"
        )
    summary = f"{passed} tests passed"
    if contract_rows:
        skipped = len(contract_rows) - contract_passed
        summary += f"; contract suites: {contract_passed} passed, {skipped} skipped"
    return StepOutcome(
        summary=summary,
        artifacts={"tests": len(results), "passed": passed, "contract_tests": len(contract_rows)},
    )
