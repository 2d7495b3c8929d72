"""A Shopify job through the real definition: the app is generated, built offline, tested (Vitest, then the Shopify
contract suites), run in the sandbox against the Shopify stand-in, packaged with its lock file and an SBOM of npm
packages, signed, approved twice and published; the release verifies as every other."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from forge.cli.client import spec_payload
from forge.config import get_settings
from forge.db.connection import Database
from forge.local.runtime import LocalRuntime
from forge.signing.release_check import check_release
from tests.e2e.conftest import client_for, wait_for

pytestmark = pytest.mark.e2e

SHOPIFY = Path(__file__).resolve().parents[2] / "examples" / "shopify.yaml"


def test_a_shopify_app_is_published_and_verifies(runtime: LocalRuntime) -> None:
    ops = client_for(runtime, "erin")
    job = ops.submit(spec_payload(SHOPIFY))
    detail = wait_for(ops, job["id"], ("awaiting_approval", "failed", "cancelled"), timeout=600)
    assert detail["job"]["status"] == "awaiting_approval", detail["job"]["error"]
    request_id = detail["approval_request"]["id"]
    client_for(runtime, "alice").decide(request_id, True, "app reviewed")
    client_for(runtime, "bob").decide(request_id, True)
    detail = wait_for(ops, job["id"], ("success", "failed"), timeout=300)
    assert detail["job"]["status"] == "success", detail["job"]["error"]
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
