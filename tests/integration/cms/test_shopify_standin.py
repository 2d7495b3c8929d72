"""The Shopify stand-in (NOT Shopify) against the app rendered from examples/shopify.yaml, through the Sandbox and
Test steps' own isolated halves in bubblewrap: the app is installed offline, started and driven through every
check; and an app that is not built fails with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from forge.cms import get_platform
from forge.cms.shopify import contracts
from forge.cms.shopify.sandbox import harness
from forge.isolation.bubblewrap import BubblewrapRunner
from forge.isolation.runner import Limits
from forge.models.job import Step
from forge.models.spec import PluginSpec
from forge.packaging.archive import write_tree
from forge.pipeline.container.local_launch import launch_in_bubblewrap
from forge.pipeline.container.report import CheckReport
from forge.pipeline.container.staging import stage
from tests.shopify_standin_runs import REPO, demo_spec

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


def _step(staged: Path, spec: PluginSpec, step: Step) -> CheckReport:
    stage(staged, spec.model_dump(mode="json"), dict(get_platform("shopify").render(spec)), step)
    entrypoint = REPO / "functions" / step.value / "entrypoint.py"
    done = launch_in_bubblewrap(entrypoint, staged, Limits(wall_seconds=900))
    assert done.ok, done.describe()
    assert done.result, done.describe()
    return CheckReport.model_validate_json(done.result)


def test_the_sandbox_step_installs_starts_and_drives_the_app_cleanly(tmp_path: Path, spec: PluginSpec) -> None:
    report = _step(tmp_path, spec, Step.SANDBOX)
    assert report.ok, (report.error, report.log[-4000:])
    rows = contracts.parse_checks(report.log)
    assert {r.name for r in rows} >= STANDIN_CHECKS
    assert all(r.result == "pass" for r in rows)
    assert {r.suite for r in rows} == SUITES


def test_the_test_step_records_the_four_contract_suites(tmp_path: Path, spec: PluginSpec) -> None:
    report = _step(tmp_path, spec, Step.TEST)
    rows = [r for r in report.contract_tests if r.suite != "unit"]
    failed = {r.name: r.details for r in rows if r.result != "pass"}
    assert failed == {}, report.log[-4000:]
    assert {r.suite for r in rows} == SUITES
    assert {r.name for r in rows} >= STANDIN_CHECKS | {"package_version_is_spec_version"}
    standin = [c for c in report.compatibility if c.cms_version == "shopify-standin"]
    assert len(standin) == 1
    assert standin[0].passed
    assert standin[0].php_version.startswith("node v")
    assert report.ok, report.error


def test_an_app_that_is_not_built_fails_with_one_clear_line(tmp_path: Path, spec: PluginSpec) -> None:
    write_tree(dict(get_platform("shopify").render(spec)), tmp_path / "plugin")
    write_tree(dict(harness.sandbox_files()), tmp_path)
    done = BubblewrapRunner(tmp_path).run(list(harness.sandbox_command(spec).argv), tmp_path, Limits())
    assert done.returncode == 1
    assert done.stderr.strip() == "Shopify stand-in: 1 check(s) failed: app_is_built"
