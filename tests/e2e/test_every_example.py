"""Every shipped example spec, not only the WooCommerce one the demo flow test follows, goes through every step to a
release a merchant can verify and a publication on each of its platform's connectors.

And a Shopify job in detail: the app is generated, built offline, tested (Vitest, then the Shopify contract suites),
run in the sandbox against the Shopify stand-in, packaged with its lock file and an SBOM of npm packages, signed,
approved twice and published; the release verifies as every other. It is the Shopify example's job of the first
test: one job per example for the module (`published`), since a Shopify job builds its app with npm and tsc in three
steps (about a minute); each test reads the job, none changes it."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from forge.cli.client import spec_payload
from forge.config import get_settings
from forge.db.connection import Database
from forge.local.runtime import LocalRuntime
from forge.signing.release_check import check_release
from tests.e2e.conftest import EXAMPLE, client_for, wait_for

pytestmark = pytest.mark.e2e

OTHER_EXAMPLES = sorted(p for p in EXAMPLE.parent.glob("*.yaml") if p != EXAMPLE)
SHOPIFY = EXAMPLE.parent / "shopify.yaml"
Published = Callable[[Path], dict[str, Any]]


@pytest.fixture(scope="module")
def published(runtime: LocalRuntime) -> Published:
    """The example's job submitted by erin, approved by alice and bob (whose second approval releases it), and
    ended in success: its detail, run once per example for the module."""
    done: dict[Path, dict[str, Any]] = {}

    def run(example: Path) -> dict[str, Any]:
        if example not in done:
            ops = client_for(runtime, "erin")
            job = ops.submit(spec_payload(example))
            # A Shopify app is installed and compiled in Build, Test and Sandbox: minutes on a loaded machine.
            detail = wait_for(ops, job["id"], ("awaiting_approval", "failed", "cancelled"), timeout=600)
            assert detail["job"]["status"] == "awaiting_approval", detail["job"]["error"]
            request_id = detail["approval_request"]["id"]
            client_for(runtime, "alice").decide(request_id, True, "reviewed")
            assert client_for(runtime, "bob").decide(request_id, True)["released"] is True
            done[example] = wait_for(ops, job["id"], ("success", "failed"), timeout=300)
        return done[example]

    return run


def test_there_is_an_example_for_another_platform() -> None:
    assert OTHER_EXAMPLES, "examples/ holds only the WooCommerce spec"
    assert SHOPIFY in OTHER_EXAMPLES


@pytest.mark.parametrize("example", OTHER_EXAMPLES, ids=lambda p: p.stem)
def test_example_is_published_and_verifies(runtime: LocalRuntime, published: Published, example: Path) -> None:
    ops = client_for(runtime, "erin")
    detail = published(example)
    assert detail["job"]["status"] == "success", detail["job"]["error"]
    publish = next(r for r in detail["runs"] if r["step"] == "publish")
    report = check_release(Path(publish["artifacts"]["folder"]))
    assert report.ok, [c for c in report.checks if not c.ok]
    publications = ops.publications(detail["job"]["package_id"])
    assert publications
    assert all(p["publication_status"] == "published" for p in publications), publications


def test_a_shopify_app_is_published_and_verifies(published: Published) -> None:
    detail = published(SHOPIFY)
    job = detail["job"]
    assert job["status"] == "success", job["error"]
    steps = {r["step"]: r for r in detail["runs"]}
    database = Database(get_settings().database_url or "")
    build = database.fetchone(
        "SELECT logs FROM forge_runs WHERE job_id = %s AND step = 'build' ORDER BY attempt DESC LIMIT 1", (job["id"],)
    )
    assert "$ npm ci --offline" in build["logs"]
    assert "$ node_modules/.bin/eslint" in build["logs"]
    package_id = detail["job"]["package_id"]
    rows = database.fetchall(
        "SELECT test_suite, test_name, result FROM plugin_contract_tests WHERE plugin_package_id = %s", (package_id,)
    )
    assert {r["test_suite"] for r in rows} >= {"unit", "events", "webhooks", "permissions"}
    assert all(r["result"] == "pass" for r in rows)
    # The Sandbox step records each of the stand-in's checks (mutual TLS, resolve/reject, forged webhooks, ...).
    sandbox_rows = [r for r in rows if r["test_name"].startswith("sandbox:shopify-standin:")]
    assert len(sandbox_rows) >= 20, sandbox_rows
    assert {r["test_suite"] for r in sandbox_rows} >= {"events", "webhooks", "permissions"}
    # ... and says that what it ran on was the stand-in, not Shopify.
    assert steps["sandbox"]["artifacts"]["summary"].endswith("platform runs passed: shopify-standin")
    compat = database.fetchall(
        "SELECT php_version, test_result FROM plugin_compatibilities WHERE plugin_package_id = %s", (package_id,)
    )
    assert compat
    assert all(c["test_result"] == "pass" for c in compat)
    # The Sandbox step records the runtime it ran the app on: Debian's Node.js 20.
    assert any(c["php_version"].startswith("v20.") for c in compat), compat

    folder = Path(steps["publish"]["artifacts"]["folder"])
    report = check_release(folder)
    assert report.ok, report.checks
    stem = f"{report.manifest['slug']}-{report.manifest['version']}"
    with zipfile.ZipFile(io.BytesIO((folder / f"{stem}.zip").read_bytes())) as archive:
        names = set(archive.namelist())
    assert {"molam-pay/package-lock.json", "molam-pay/src/server.ts", "molam-pay/shopify.app.toml"} <= names
    assert not [n for n in names if "/tests/" in n or "/node_modules/" in n]
    sbom = json.loads((folder / f"{stem}.cdx.json").read_text())
    assert any(c.get("purl", "").startswith("pkg:npm/%40shopify/shopify-api@") for c in sbom["components"])
