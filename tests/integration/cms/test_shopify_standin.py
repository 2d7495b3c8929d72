"""The Shopify stand-in (NOT Shopify) against the app rendered from examples/shopify.yaml, in bubblewrap: through the
Sandbox step's own isolated half (the app installed offline, started and driven through every check), through the
contract suites as the Test step calls them, and an app that is not built failing with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from forge.cms import check_rows, get_platform
from forge.cms.shopify import contracts
from forge.cms.shopify.sandbox import harness
from forge.isolation.bubblewrap import BubblewrapRunner
from forge.isolation.runner import Limits, SubprocessRunner, with_memory_at_least
from forge.models.job import Step
from forge.models.spec import PluginSpec
from forge.packaging.archive import write_tree
from forge.pipeline.container.tools import ToolRunner
from tests.integration.cms.conftest import GenuineStep
from tests.shopify_standin_runs import demo_spec

SUITES = {"events", "webhooks", "permissions", "compatibility"}
STANDIN_CHECKS = {
    "provider_success_resolves_payment_session",
    "provider_failure_rejects_payment_session",
    "refund_session_resolves",
    "client_without_certificate_refused",
    "forged_provider_webhook_refused",
    "outbound_request_outside_allowlist_fails",
}


@pytest.fixture(scope="module")
def spec() -> PluginSpec:
    return demo_spec()


def test_the_sandbox_step_installs_starts_and_drives_the_app_cleanly(shopify_genuine_step: GenuineStep) -> None:
    report = shopify_genuine_step(Step.SANDBOX)
    assert report.ok, (report.error, report.log[-4000:])
    rows = check_rows.rows_from_check_lines(report.log)
    assert {r.name for r in rows} >= STANDIN_CHECKS
    assert all(r.result == "pass" for r in rows)
    assert {r.suite for r in rows} == SUITES


def test_the_contract_suites_give_rows_of_the_four_suites_and_a_compatibility_row(
    tmp_path: Path, spec: PluginSpec
) -> None:
    """As the Test step's isolated half calls them: a fresh, uninstalled copy of the app in a writable folder, the
    platform's tools under the step's limits (the isolation itself is the Sandbox step test's)."""
    platform = get_platform("shopify")
    assert platform.toolchain is not None
    cache = platform.toolchain.folder()
    write_tree(dict(platform.render(spec)), tmp_path / "plugin")
    tools = ToolRunner(SubprocessRunner(), platform.toolchain.env(cache))
    limits = with_memory_at_least(Limits(), platform.tool_memory_mb)
    outcome = contracts.contract_suites(spec, tmp_path, tools, limits, ["api.molam.com", "sandbox.api.molam.com"])
    failed = {r.name: r.details for r in outcome.rows if r.result != "pass"}
    assert failed == {}, outcome.log[-4000:]
    assert {r.suite for r in outcome.rows} == SUITES
    assert {r.name for r in outcome.rows} >= STANDIN_CHECKS | {"package_version_is_spec_version"}
    assert len(outcome.compatibility) == 1
    assert outcome.compatibility[0].cms_version == "shopify-standin"
    assert outcome.compatibility[0].passed
    assert outcome.compatibility[0].php_version.startswith("node v")


def test_the_test_step_records_the_four_contract_suites(shopify_genuine_step: GenuineStep) -> None:
    report = shopify_genuine_step(Step.TEST)
    rows = [r for r in report.contract_tests if r.suite != "unit"]
    failed = {r.name: r.details for r in rows if r.result != "pass"}
    assert failed == {}, report.log[-4000:]
    assert {r.suite for r in rows} == SUITES
    assert {r.name for r in rows} >= STANDIN_CHECKS
    assert [c.cms_version for c in report.compatibility] == ["shopify-standin"]
    assert report.ok, report.error


def test_an_app_that_is_not_built_fails_with_one_clear_line(tmp_path: Path, spec: PluginSpec) -> None:
    write_tree(dict(get_platform("shopify").render(spec)), tmp_path / "plugin")
    write_tree(dict(harness.sandbox_files()), tmp_path)
    argv = list(harness.sandbox_command(spec).argv)
    argv[argv.index("--report") + 1] = "/tmp/report.json"  # noqa: S108 - the namespace's own /tmp: /input is read-only
    done = BubblewrapRunner(tmp_path).run(argv, tmp_path, Limits())
    assert done.returncode == 1
    assert done.stderr.strip() == "Shopify stand-in: 1 check(s) failed: app_is_built"
