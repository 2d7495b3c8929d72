"""Test: the plugin's own PHPUnit suite, run in isolation; each test case becomes a contract-test row."""

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
    with tempfile.TemporaryDirectory(prefix="forge-test-") as tmp:
        workdir = Path(tmp)
        write_tree(tree, workdir / "plugin")
        runner = ctx.deps.isolated_runner(workdir)
        command = platform.test_command(f"../{JUNIT}")
        completed = runner.run(
            command.argv,
            workdir / "plugin",
            Limits(
                cpu_seconds=ctx.deps.settings.step_timeout_seconds,
                memory_mb=ctx.deps.settings.step_memory_mb,
                wall_seconds=ctx.deps.settings.step_timeout_seconds,
            ),
        )
        ctx.log(completed.describe())
        junit = workdir / JUNIT
        report = junit.read_bytes() if junit.is_file() else b""
    if not report:
        raise StepFailed(f"{command.label} produced no JUnit report (exit {completed.returncode})")
    ctx.deps.artifacts.put(artifacts_layout.test_report(ctx.job.id), report)
    results = parse_junit(report)
    ctx.deps.repos.packages.record_test_results(ctx.package_id, ctx.job.id, results)
    failed = [r["name"] for r in results if r["result"] == "fail"]
    passed = sum(1 for r in results if r["result"] == "pass")
    if failed or not completed.ok:
        raise StepFailed(
            f"{len(failed)} of {len(results)} tests failed: {', '.join(map(str, failed[:5]))}"
            if failed
            else f"{command.label} exited {completed.returncode}"
        )
    if not results:
        raise StepFailed("the plugin has no tests")
    return StepOutcome(summary=f"{passed} tests passed", artifacts={"tests": len(results), "passed": passed})
