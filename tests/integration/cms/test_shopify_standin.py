"""The Shopify stand-in (NOT Shopify) against the app rendered from examples/shopify.yaml, inside bubblewrap as the
Sandbox and Test steps run it: it builds the app offline, starts it, drives every check, and says clearly when the
app is not there to run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from forge.cms import get_platform
from forge.cms.shopify import contracts
from forge.cms.shopify.sandbox import harness
from forge.isolation.bubblewrap import BubblewrapRunner
from forge.isolation.runner import Limits
from forge.models.spec import PluginSpec
from forge.packaging.archive import write_tree
from tests.shopify_standin_runs import built_app, demo_spec, install_env

SUITES = {"events", "webhooks", "permissions", "compatibility"}


@pytest.fixture(scope="module")
def spec() -> PluginSpec:
    return demo_spec()


def _cache_runner(work: Path) -> tuple[BubblewrapRunner, dict[str, str]]:
    """The sandbox sees npm's offline cache read-only, as the steps' isolation does."""
    env = install_env()
    cache = env.get("npm_config_cache")
    return BubblewrapRunner(work, extra_ro=[cache] if cache else []), env


def test_the_sandbox_command_builds_starts_and_drives_the_app_cleanly(tmp_path: Path, spec: PluginSpec) -> None:
    write_tree(dict(get_platform("shopify").render(spec)), tmp_path / "plugin")
    write_tree(dict(harness.sandbox_files()), tmp_path)
    runner, env = _cache_runner(tmp_path)
    started = time.monotonic()
    done = runner.run(list(harness.sandbox_command(spec).argv), tmp_path, Limits(), env=env)
    rows = contracts.parse_checks(done.stdout)
    failed = {r.name: r.details for r in rows if r.result != "pass"}
    assert done.returncode == 0, (failed, done.stderr)
    assert done.stderr == ""
    assert failed == {}
    names = {r.name for r in rows}
    assert {
        "app_builds",
        "provider_success_resolves_payment_session",
        "outbound_request_outside_allowlist_fails",
    } <= names
    assert {r.suite for r in rows} == SUITES
    print(f"sandbox run: {len(rows)} checks in {time.monotonic() - started:.1f}s")


def test_contract_suites_give_rows_of_the_four_suites_and_a_compatibility_row(
    tmp_path_factory: pytest.TempPathFactory, spec: PluginSpec
) -> None:
    work = tmp_path_factory.mktemp("contracts")
    built_app(work, spec)
    runner, _ = _cache_runner(work)
    outcome = contracts.contract_suites(spec, work, runner, Limits(), ["api.molam.com"])
    failed = {r.name: r.details for r in outcome.rows if r.result != "pass"}
    assert failed == {}, outcome.log[-3000:]
    assert {r.suite for r in outcome.rows} == SUITES
    assert len(outcome.compatibility) == 1
    assert outcome.compatibility[0].passed
    assert outcome.compatibility[0].php_version.startswith("node v")


def test_an_app_that_is_not_built_fails_with_a_clear_line(tmp_path: Path, spec: PluginSpec) -> None:
    write_tree(dict(get_platform("shopify").render(spec)), tmp_path / "plugin")
    write_tree(dict(harness.sandbox_files()), tmp_path)
    argv = [a for a in harness.sandbox_command(spec).argv]
    without_install = [a for i, a in enumerate(argv) if a != "--install" and (i == 0 or argv[i - 1] != "--install")]
    done = BubblewrapRunner(tmp_path).run(without_install, tmp_path, Limits())
    assert done.returncode == 1
    assert done.stderr.strip() == "Shopify stand-in: 1 check(s) failed: app_is_built"
