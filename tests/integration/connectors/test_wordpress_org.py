"""WordPress.org over real Subversion: svnserve on loopback with authentication, the svn client as authors run it."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from forge.errors import StepFailed
from forge.models.job import Step
from forge.models.publication import PublicationStatus
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.publications import mark_done, retry
from forge.pipeline.revocation import revoke_package
from forge.pipeline.verified_release import verified_release
from forge.publishing.listing_assets import SIZES
from tests.connector_targets import SVN_PASSWORD, SvnServer, approved_job, enable_wordpress_org
from tests.integration.supply_chain.flow import step


def publication(deps: PipelineDeps, package_id: object, connector_type: str) -> object:
    connector = deps.repos.publications.connector(connector_type)
    return next(
        p
        for p in deps.repos.publications.for_package(package_id)  # type: ignore[arg-type]
        if p.marketplace_connector_id == connector["id"]
    )


def test_a_release_is_committed_to_trunk_tags_and_assets_with_its_stable_tag(
    deps: PipelineDeps, svn_server: SvnServer
) -> None:
    job = approved_job(deps)
    slug, version = job.params["slug"], job.params["version"]
    svn_server.create(slug)
    enable_wordpress_org(deps, svn_server)

    step(deps, job, Step.PUBLISH)

    pub = publication(deps, job.plugin_package_id, "wordpress_org")
    assert pub.publication_status is PublicationStatus.PUBLISHED, pub.error
    assert pub.external_id.startswith(f"{svn_server.url}/{slug}/tags/{version}@")
    assert svn_server.ls(slug, f"tags/{version}") == svn_server.ls(slug, "trunk")
    assert f"Stable tag: {version}".encode() in svn_server.cat(slug, "trunk/readme.txt")
    assert svn_server.cat(slug, f"tags/{version}/{slug}.php").startswith(b"<?php")
    assert sorted(svn_server.ls(slug, "assets")) == sorted(SIZES)
    assert svn_server.cat(slug, "assets/icon-128x128.png").startswith(b"\x89PNG")
    log = svn_server.log(slug)
    assert f"Plugin Forge job {job.id}" in log
    assert f"r{pub.external_id.rsplit('@', 1)[1]}" in log
    # Only the files the package ships, at the top of trunk (no <slug>/ folder, no dev files).
    assert "tests/" not in svn_server.ls(slug, "trunk")
    # The Molam marketplace published too: one connector among others.
    assert publication(deps, job.plugin_package_id, "molam").publication_status is PublicationStatus.PUBLISHED
    events = [(e.from_status, e.to_status) for e in deps.repos.publications.events(pub.id)]
    assert events[0] == (None, "pending")
    assert events[-1] == ("pending", "published")


def test_the_server_refuses_a_client_without_credentials(svn_server: SvnServer) -> None:
    svn_server.create("molam-pay")
    done = svn_server.svn("ls", svn_server.repository("molam-pay"), anonymous=True)
    assert done.returncode != 0
    assert "authoriz" in done.stderr.lower() or "authenticat" in done.stderr.lower() or "E170001" in done.stderr


def test_a_wrong_password_fails_that_connector_only_and_a_retry_succeeds(
    deps: PipelineDeps, svn_server: SvnServer
) -> None:
    job = approved_job(deps)
    slug = job.params["slug"]
    svn_server.create(slug)
    enable_wordpress_org(deps, svn_server)
    (deps.settings.forge_home / "secrets" / "wporg-svn").write_text("wrong password")

    step(deps, job, Step.PUBLISH)  # succeeds: the Molam marketplace published

    pub = publication(deps, job.plugin_package_id, "wordpress_org")
    assert pub.publication_status is PublicationStatus.FAILED
    assert "svn" in (pub.error or "")
    assert publication(deps, job.plugin_package_id, "molam").publication_status is PublicationStatus.PUBLISHED
    assert svn_server.ls(slug, "tags") == []

    # The credential is rotated in the store: the next attempt reads it afresh.
    (deps.settings.forge_home / "secrets" / "wporg-svn").write_text(SVN_PASSWORD)
    again = retry(deps, pub.id)
    assert again.publication_status is PublicationStatus.PUBLISHED, again.error
    assert again.attempts == 2
    assert svn_server.ls(slug, "tags") == [f"{job.params['version']}/"]


def test_a_version_already_tagged_with_other_bytes_is_refused(deps: PipelineDeps, svn_server: SvnServer) -> None:
    first = published_job_on_svn(deps, svn_server)
    slug, version = first.params["slug"], first.params["version"]
    before = svn_server.log(slug)
    # Another package of the same version, other bytes (a rebuilt plugin), approved and released.
    second = approved_job(deps, version, extra=" Rebuilt.")
    with contextlib.suppress(StepFailed):  # every marketplace refuses it, so the step fails
        step(deps, second, Step.PUBLISH)
    pub = publication(deps, second.plugin_package_id, "wordpress_org")
    assert pub.publication_status is PublicationStatus.FAILED
    assert "already exists with different content" in (pub.error or "")
    assert svn_server.log(slug) == before


def published_job_on_svn(deps: PipelineDeps, svn_server: SvnServer, version: str | None = None) -> object:
    job = approved_job(deps, version)
    if not (svn_server.root / job.params["slug"]).exists():
        svn_server.create(job.params["slug"])
    enable_wordpress_org(deps, svn_server)
    step(deps, job, Step.PUBLISH)
    return deps.repos.jobs.get(job.id)


def test_the_same_bytes_again_are_a_success_without_a_commit(deps: PipelineDeps, svn_server: SvnServer) -> None:
    job = published_job_on_svn(deps, svn_server)
    slug = job.params["slug"]
    pub = publication(deps, job.plugin_package_id, "wordpress_org")
    before = svn_server.log(slug)
    # Sent again (a retry after the record of the first send was lost): the tag already holds these bytes.
    assert deps.connector is not None
    connector = deps.connector(deps.repos.publications.connector_by_id(pub.marketplace_connector_id))
    with tempfile.TemporaryDirectory() as tmp:
        result = connector.publish(verified_release(deps, deps.repos.packages.get(job.plugin_package_id), Path(tmp)))
    assert result.outcome == "done", result.message
    assert "already holds these bytes" in result.message
    assert svn_server.log(slug) == before


def test_revocation_points_stable_tag_back_at_the_last_good_release(deps: PipelineDeps, svn_server: SvnServer) -> None:
    good = published_job_on_svn(deps, svn_server, "1.0.0")
    bad = published_job_on_svn(deps, svn_server, "1.0.1")
    slug = bad.params["slug"]
    assert b"Stable tag: 1.0.1" in svn_server.cat(slug, "trunk/readme.txt")

    revoke_package(deps, bad.plugin_package_id, "a card number reached the log", "admin")

    pub = publication(deps, bad.plugin_package_id, "wordpress_org")
    assert pub.publication_status is PublicationStatus.RETRACTED, pub.error
    assert b"Stable tag: 1.0.0" in svn_server.cat(slug, "trunk/readme.txt")
    assert svn_server.ls(slug, "tags") == ["1.0.0/"]
    log = svn_server.log(slug)
    assert f"Retract {slug} 1.0.1" in log
    assert "a card number reached the log" in log
    assert "Stable tag back to 1.0.0" in (pub.connector_message or "")
    events = [e.to_status for e in deps.repos.publications.events(pub.id)]
    assert events[-2:] == ["retracting", "retracted"]
    assert publication(deps, good.plugin_package_id, "wordpress_org").publication_status is PublicationStatus.PUBLISHED


def test_with_no_earlier_release_the_listing_waits_on_a_person_to_close_it(
    deps: PipelineDeps, svn_server: SvnServer
) -> None:
    job = published_job_on_svn(deps, svn_server)
    revoke_package(deps, job.plugin_package_id, "leaked key", "admin")
    pub = publication(deps, job.plugin_package_id, "wordpress_org")
    assert pub.publication_status is PublicationStatus.RETRACTING
    assert "Close this plugin" in (pub.manual_action or "")

    done = mark_done(deps, pub.id, "ops-alice", "closed on wordpress.org")
    assert done.publication_status is PublicationStatus.RETRACTED
    assert "ops-alice" in (done.connector_message or "")
