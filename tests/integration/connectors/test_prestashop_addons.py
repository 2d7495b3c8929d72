"""PrestaShop Addons through its seller API (module_push), against a loopback server that checks each request
against the shape PrestaShop's own upload tool sends."""

from __future__ import annotations

from forge.models.job import Step
from forge.models.publication import PublicationStatus
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.publications import mark_done
from forge.pipeline.revocation import revoke_package
from tests.connector_targets import ADDONS_KEY, addons_server, approved_job, enable_addons
from tests.integration.supply_chain.flow import step


def addons_publication(deps: PipelineDeps, package_id: object) -> object:
    connector = deps.repos.publications.connector("prestashop_addons")
    return next(
        p
        for p in deps.repos.publications.for_package(package_id)  # type: ignore[arg-type]
        if p.marketplace_connector_id == connector["id"]
    )


def test_a_release_is_pushed_as_the_documented_module_push(deps: PipelineDeps) -> None:
    with addons_server() as server:
        enable_addons(deps, server)
        job = approved_job(deps)
        step(deps, job, Step.PUBLISH)

    pub = addons_publication(deps, job.plugin_package_id)
    assert pub.publication_status is PublicationStatus.PUBLISHED, pub.error
    assert pub.external_id == "4242"
    [sent] = server.requests
    assert sent["api_key"] == ADDONS_KEY
    fields = sent["fields"]
    assert fields["id_product"] == "46347"  # type: ignore[index]
    assert fields["product_type"] == "module"  # type: ignore[index]
    assert fields["type_upgrade"] == "updatemin"  # type: ignore[index]
    assert str(job.id) in fields["change_log"]  # type: ignore[index]
    package = deps.repos.packages.get(job.plugin_package_id)  # type: ignore[arg-type]
    import hashlib

    assert hashlib.sha256(sent["zip"]).hexdigest() == package.zip_sha256  # type: ignore[arg-type]


def test_a_refusal_is_recorded_with_the_marketplace_words(deps: PipelineDeps) -> None:
    with addons_server() as server:
        enable_addons(deps, server)
        (deps.settings.forge_home / "secrets" / "addons-api-key").write_text("wrong key")
        job = approved_job(deps)
        step(deps, job, Step.PUBLISH)
    pub = addons_publication(deps, job.plugin_package_id)
    assert pub.publication_status is PublicationStatus.FAILED
    assert "HTTP 401" in (pub.error or "")
    assert "bad api-key" in (pub.error or "")


def test_a_retraction_waits_on_the_seller_dashboard_and_is_marked_done(deps: PipelineDeps) -> None:
    with addons_server() as server:
        enable_addons(deps, server)
        job = approved_job(deps)
        step(deps, job, Step.PUBLISH)
        revoke_package(deps, job.plugin_package_id, "leaked key", "admin")  # type: ignore[arg-type]
    pub = addons_publication(deps, job.plugin_package_id)
    assert pub.publication_status is PublicationStatus.RETRACTING
    assert "seller account" in (pub.manual_action or "")
    done = mark_done(deps, pub.id, "ops-bob", "zip removed from the product page")
    assert done.publication_status is PublicationStatus.RETRACTED
