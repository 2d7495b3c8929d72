"""Guarantee: revoking a package takes it down from every marketplace that published it, each retraction recorded
with its outcome; a retraction that fails leaves the publication `retracting` (never `retracted` while the release is
still offered), raises the retraction-failure alarm's metric, and is retried until the release is down."""

from __future__ import annotations

from pathlib import Path

import pytest

from forge.models.job import Step
from forge.models.publication import PublicationStatus
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.retraction import RETRACTION_FAILURES, sweep_retractions
from forge.pipeline.revocation import revoke_package
from tests.connector_targets import SVN_PASSWORD, approved_job, enable_wordpress_org, svnserve
from tests.integration.supply_chain.flow import step


def test_a_failed_retraction_alarms_and_is_retried_until_the_release_is_down(
    deps: PipelineDeps, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with svnserve(tmp_path / "svn") as server:
        good = approved_job(deps, "1.0.0")
        slug = good.params["slug"]
        server.create(slug)
        enable_wordpress_org(deps, server)
        step(deps, good, Step.PUBLISH)
        bad = approved_job(deps, "1.0.1")
        step(deps, bad, Step.PUBLISH)
        assert bad.plugin_package_id is not None
        secret = deps.settings.forge_home / "secrets" / "wporg-svn"
        secret.write_text("rotated away")  # the marketplace refuses the forge for now
        capsys.readouterr()

        revoke_package(deps, bad.plugin_package_id, "leaked key", "admin")

        by_type = {
            deps.repos.publications.connector_by_id(p.marketplace_connector_id).connector_type: p
            for p in deps.repos.publications.for_package(bad.plugin_package_id)
        }
        assert by_type["molam"].publication_status is PublicationStatus.RETRACTED
        wordpress = by_type["wordpress_org"]
        assert wordpress.publication_status is PublicationStatus.RETRACTING
        assert wordpress.error
        assert "1.0.1/" in server.ls(slug, "tags"), "the release is still offered: the row must not say retracted"
        assert RETRACTION_FAILURES in capsys.readouterr().out

        secret.write_text(SVN_PASSWORD)
        assert sweep_retractions(deps) == 1
        done = deps.repos.publications.get(wordpress.id)
        assert done.publication_status is PublicationStatus.RETRACTED
        assert "1.0.1/" not in server.ls(slug, "tags")
        assert b"Stable tag: 1.0.0" in server.cat(slug, "trunk/readme.txt")
        moves = [(e.from_status, e.to_status) for e in deps.repos.publications.events(wordpress.id)]
        assert ("published", "retracting") in moves
        assert moves[-1] == ("retracting", "retracted")
        assert sweep_retractions(deps) == 0
