"""Guarantee: no marketplace connector sends a release that does not verify as a merchant would check it: an
unapproved, revoked or tampered release is refused by every enabled connector (Molam, WordPress.org over svn,
PrestaShop Addons, Shopify's CLI) and nothing reaches any marketplace, however the publication is started (Publish,
the fan-out, a retry)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from forge.errors import StepFailed
from forge.models.job import Job, Step
from forge.models.publication import PublicationStatus
from forge.models.spec import load_spec
from forge.packaging.archive import unzip_tree, zip_tree
from forge.pipeline import artifacts_layout
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.publications import publish_everywhere, retry
from forge.pipeline.revocation import revoke_package
from forge.publishing import release
from tests.connector_targets import (
    AddonsServer,
    RefusingProxy,
    SvnServer,
    addons_server,
    approved_job,
    enable_addons,
    enable_shopify,
    enable_wordpress_org,
    refusing_proxy,
    svnserve,
    wordpress_tree,
)
from tests.integration.supply_chain.flow import EXAMPLE, step

ADDONS: list[AddonsServer] = []
PROXY: list[RefusingProxy] = []


@pytest.fixture
def marketplaces(deps: PipelineDeps, tmp_path: Path) -> Iterator[SvnServer]:
    with svnserve(tmp_path / "svn") as server, addons_server() as addons, refusing_proxy() as proxy:
        enable_wordpress_org(deps, server)
        enable_addons(deps, addons)
        enable_shopify(deps, proxy)
        ADDONS[:], PROXY[:] = [addons], [proxy]
        yield server


@contextlib.contextmanager
def without_shopify(deps: PipelineDeps) -> Iterator[None]:
    """A good release published for the test's setting, without the Shopify CLI's 20 s run."""
    set_enabled = "UPDATE marketplace_connectors SET enabled = %s WHERE connector_type = 'shopify_app_store'"
    deps.repos.publications.db.execute(set_enabled, (False,))  # type: ignore[attr-defined]
    try:
        yield
    finally:
        deps.repos.publications.db.execute(set_enabled, (True,))  # type: ignore[attr-defined]


def nothing_reached_a_marketplace(deps: PipelineDeps, server: SvnServer, job: Job) -> None:
    slug, version = job.params["slug"], job.params["version"]
    zips = [r["zip_name"] for r in ADDONS[0].requests]
    assert release.zip_name(slug, version) not in zips, "PrestaShop Addons got the upload"
    assert PROXY[0].seen == [], "the Shopify CLI ran"
    assert not (deps.settings.marketplace_dir / slug / version).exists(), "the Molam marketplace offers it"
    assert f"{version}/" not in server.ls(slug, "tags"), "WordPress.org got a tag"
    if server.ls(slug, "trunk"):  # another, good release may be there
        assert f"Stable tag: {version}\n".encode() not in server.cat(slug, "trunk/readme.txt"), "trunk got it"


def every_connector_refused(deps: PipelineDeps, job: Job) -> None:
    assert job.plugin_package_id is not None
    publications = deps.repos.publications.for_package(job.plugin_package_id)
    types = {deps.repos.publications.connector_by_id(p.marketplace_connector_id).connector_type for p in publications}
    assert types == {"molam", "wordpress_org", "prestashop_addons", "shopify_app_store"}
    for p in publications:
        assert p.publication_status in (PublicationStatus.FAILED, PublicationStatus.RETRACTING), p
        if p.publication_status is PublicationStatus.FAILED:
            assert (p.error or "").startswith("refused, nothing sent"), p.error


def signed_unapproved_job(deps: PipelineDeps) -> Job:
    spec = load_spec(EXAMPLE)
    job, _ = deps.repos.jobs.create(spec, "insider", None)
    deps.artifacts.put(artifacts_layout.source_zip(job.id), zip_tree(wordpress_tree(spec.slug, spec.version)))
    step(deps, job, Step.PACKAGE)
    step(deps, job, Step.SIGN)
    return deps.repos.jobs.get(job.id)


def test_an_unapproved_release_is_refused_by_every_connector(deps: PipelineDeps, marketplaces: SvnServer) -> None:
    job = signed_unapproved_job(deps)
    marketplaces.create(job.params["slug"])
    assert job.plugin_package_id is not None
    # An insider skips the approval wait and asks every connector directly.
    publish_everywhere(deps, deps.repos.packages.get(job.plugin_package_id))
    every_connector_refused(deps, job)
    nothing_reached_a_marketplace(deps, marketplaces, job)


def test_an_unapproved_release_with_a_forged_statement_is_refused(deps: PipelineDeps, marketplaces: SvnServer) -> None:
    job = signed_unapproved_job(deps)
    marketplaces.create(job.params["slug"])
    assert job.plugin_package_id is not None
    # A statement copied from another release (signed, but naming another manifest).
    other = approved_job(deps, "9.9.9")
    with without_shopify(deps):
        step(deps, other, Step.PUBLISH)
    for name in (release.STATEMENT, release.STATEMENT_SIG):
        data = deps.artifacts.get(artifacts_layout.release_file(other.id, name))
        deps.artifacts.put(artifacts_layout.release_file(job.id, name), data)
    publish_everywhere(deps, deps.repos.packages.get(job.plugin_package_id))
    every_connector_refused(deps, job)
    nothing_reached_a_marketplace(deps, marketplaces, job)


def test_a_revoked_release_is_refused_by_every_connector_even_on_retry(
    deps: PipelineDeps, marketplaces: SvnServer
) -> None:
    job = approved_job(deps)
    marketplaces.create(job.params["slug"])
    assert job.plugin_package_id is not None
    with without_shopify(deps):
        step(deps, approved_job(deps, "0.9.0"), Step.PUBLISH)  # an earlier, good release is out
    revoke_package(deps, job.plugin_package_id, "a card number reached the log", "admin")
    # An insider asks every connector directly for the revoked package, then retries each refusal.
    publish_everywhere(deps, deps.repos.packages.get(job.plugin_package_id))
    every_connector_refused(deps, job)
    for p in deps.repos.publications.for_package(job.plugin_package_id):
        again = retry(deps, p.id)
        assert again.publication_status is PublicationStatus.FAILED
        assert "revoked" in (again.error or "")
    nothing_reached_a_marketplace(deps, marketplaces, job)


def test_a_tampered_release_is_refused_by_every_connector(deps: PipelineDeps, marketplaces: SvnServer) -> None:
    job = approved_job(deps)
    marketplaces.create(job.params["slug"])
    slug, version = job.params["slug"], job.params["version"]
    key = artifacts_layout.package_zip(job.id, slug, version)
    # After signing and approval, someone with write access to the artifact store adds a file to the zip.
    tree = unzip_tree(deps.artifacts.get(key), strip_prefix=slug)
    tree["includes/backdoor.php"] = b"<?php eval($_GET['x']);\n"
    deps.artifacts.put(key, zip_tree(tree, prefix=slug))
    with pytest.raises(StepFailed, match="no marketplace published"):
        step(deps, job, Step.PUBLISH)
    every_connector_refused(deps, job)
    nothing_reached_a_marketplace(deps, marketplaces, job)
