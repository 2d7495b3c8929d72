"""The Shopify app through the real gates, in bubblewrap as the local runtime runs them: the Build step installs it
offline from the staged npm cache (`npm ci --offline`), compiles it with tsc (strict), lints it with typescript-eslint;
the Test step runs its Vitest suite (JUnit) before the Shopify contract suites; the Sandbox step builds and starts it
for the Shopify stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from forge.cms.shopify.platform import PLATFORM
from forge.models.job import Step
from forge.models.spec import PluginSpec, load_spec
from forge.pipeline.container.report import CheckReport
from forge.pipeline.container.staging import TOOLCHAIN, stage
from tests.integration.cms.conftest import GenuineStep
from tests.isolated_step import isolated_report

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def spec() -> PluginSpec:
    return load_spec(REPO / "examples" / "shopify.yaml")


def _run(tmp_path: Path, spec: PluginSpec, step: Step, tree: dict[str, bytes]) -> CheckReport:
    """`step` on a changed app; the generated app's own runs are the session's (`shopify_genuine_step`)."""
    staged = tmp_path / "input"
    stage(staged, spec.model_dump(mode="json"), tree, step)
    assert (staged / TOOLCHAIN).is_dir()
    return isolated_report(staged, step, wall_seconds=500)


def test_the_build_installs_offline_compiles_strict_and_lints(shopify_genuine_step: GenuineStep) -> None:
    report = shopify_genuine_step(Step.BUILD)
    assert report.ok, report.log[-3000:]
    for command in ("$ npm ci --offline", "$ node_modules/.bin/tsc -p tsconfig.json", "$ node_modules/.bin/eslint"):
        assert command in report.log
    assert "4 build checks passed" in report.summary


def test_a_type_error_fails_the_build(tmp_path: Path, spec: PluginSpec) -> None:
    tree = dict(PLATFORM.render(spec))
    tree["src/money.ts"] += b"\nexport const broken: number = 'text';\n"
    report = _run(tmp_path, spec, Step.BUILD, tree)
    assert not report.ok
    assert report.error is not None
    assert "tsc" in report.error


def test_a_lint_finding_fails_the_build(tmp_path: Path, spec: PluginSpec) -> None:
    tree = dict(PLATFORM.render(spec))
    tree["src/money.ts"] += b"\nexport function run(code: string): unknown {\n  return eval(code);\n}\n"
    report = _run(tmp_path, spec, Step.BUILD, tree)
    assert not report.ok
    assert "no-eval" in report.log


def test_the_apps_own_tests_run_with_a_junit_report(shopify_genuine_step: GenuineStep) -> None:
    report = shopify_genuine_step(Step.TEST)
    assert report.test_report is not None
    # One row per JUnit <testcase> (forge.pipeline.container.plugin_tests.parse_junit).
    units = [row for row in report.contract_tests if row.suite == "unit"]
    assert len(units) >= 15
    assert all(row.result == "pass" for row in units), [r.name for r in units if r.result != "pass"]
    assert report.ok, report.error


def test_a_failing_app_test_fails_the_test_step(tmp_path: Path, spec: PluginSpec) -> None:
    tree = dict(PLATFORM.render(spec))
    tree["tests/broken.test.ts"] = (
        b'import { expect, it } from "vitest";\nit("fails", () => {\n  expect(1).toBe(2);\n});\n'
    )
    report = _run(tmp_path, spec, Step.TEST, tree)
    assert not report.ok
    assert report.error is not None
    assert "fails" in report.error


def test_the_sandbox_builds_and_runs_the_app(shopify_genuine_step: GenuineStep) -> None:
    report = shopify_genuine_step(Step.SANDBOX)
    assert report.ok, (report.error, report.log[-3000:])
    assert report.compatibility[0].php_version.startswith("v20.")
    assert "Node.js" in report.summary
