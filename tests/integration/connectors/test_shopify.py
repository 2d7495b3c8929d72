"""Shopify: the real Shopify CLI (`shopify app deploy`), run up to its network boundary, an HTTP proxy on loopback
that records where it would go and refuses. Not exercised: the token exchange's answer and everything after it."""

from __future__ import annotations

import tempfile
from pathlib import Path

from forge.models.job import Step
from forge.models.publication import PublicationStatus
from forge.packaging.archive import tree_from_dir, unzip_tree
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.verified_release import verified_release
from forge.publishing.shopify_app_store import APP_CONFIG, ShopifyConnector, default_cli
from tests.connector_targets import (
    SHOPIFY_CLIENT_ID,
    SHOPIFY_TOKEN,
    approved_job,
    enable_shopify,
    refusing_proxy,
)
from tests.integration.supply_chain.flow import step


def test_the_bootstrap_installed_the_pinned_cli() -> None:
    import json
    import subprocess

    assert default_cli().is_file()
    package = default_cli().parents[1] / "@shopify" / "cli" / "package.json"
    assert json.loads(package.read_text())["version"] == "3.94.2"
    done = subprocess.run([str(default_cli()), "version"], capture_output=True, text=True, timeout=120, check=False)
    assert "3.94.2" in done.stdout + done.stderr


def test_app_deploy_is_given_the_release_and_stops_at_the_token_exchange(deps: PipelineDeps) -> None:
    with refusing_proxy() as proxy:
        enable_shopify(deps, proxy)
        job = approved_job(deps)
        step(deps, job, Step.PUBLISH)  # the Molam marketplace publishes; Shopify fails at the network boundary
        assert job.plugin_package_id is not None
        row = next(
            c for c in deps.repos.publications.connectors_for("woocommerce") if c.connector_type == "shopify_app_store"
        )
        assert deps.connector is not None
        connector = deps.connector(row)
        assert isinstance(connector, ShopifyConnector)
        with tempfile.TemporaryDirectory() as tmp:
            release = verified_release(deps, deps.repos.packages.get(job.plugin_package_id), Path(tmp) / "release")
            deployment = connector.prepare(release, Path(tmp) / "work")
            assert deployment.argv[1:4] == ["app", "deploy", "--path"]
            assert deployment.argv[deployment.argv.index("--client-id") + 1] == SHOPIFY_CLIENT_ID
            assert deployment.argv[deployment.argv.index("--version") + 1] == job.params["version"]
            assert str(job.id) in deployment.argv[deployment.argv.index("--message") + 1]
            assert "--allow-updates" in deployment.argv
            assert SHOPIFY_TOKEN not in " ".join(deployment.argv)  # the token travels in the environment only
            assert deployment.env["SHOPIFY_CLI_PARTNERS_TOKEN"] == SHOPIFY_TOKEN
            sent = tree_from_dir(deployment.app)
            config = sent.pop(APP_CONFIG).decode()
            assert f'client_id = "{SHOPIFY_CLIENT_ID}"' in config
            assert 'application_url = "https://pay.molam.example/shopify"' in config
            assert sent == unzip_tree(release.zip_bytes, strip_prefix=job.params["slug"])
            before = len(proxy.seen)
            done = connector.deploy(deployment)
        assert done.returncode != 0
        assert any(line.startswith("CONNECT accounts.shopify.com:443") for line in proxy.seen[before:]), proxy.seen

    publication = next(
        p for p in deps.repos.publications.for_package(job.plugin_package_id) if p.marketplace_connector_id == row.id
    )
    assert publication.publication_status is PublicationStatus.FAILED
    assert "shopify app deploy exited" in (publication.error or "")
    assert SHOPIFY_TOKEN not in (publication.error or "")
    molam = deps.repos.publications.connector("molam")
    assert any(
        p.marketplace_connector_id == molam["id"] and p.publication_status is PublicationStatus.PUBLISHED
        for p in deps.repos.publications.for_package(job.plugin_package_id)
    )
