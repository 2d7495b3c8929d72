"""Per-connector status, retry and mark-done through the API (the CLI's `forge publications` calls these)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forge.models.job import Step
from tests.connector_targets import SVN_PASSWORD, approved_job, enable_wordpress_org, svnserve
from tests.integration.api.conftest import api_deps, call
from tests.integration.supply_chain.flow import step


def test_each_connector_has_its_status_and_a_failed_one_is_retried_alone(api: Any, tmp_path: Path) -> None:
    deps = api_deps()
    with svnserve(tmp_path / "svn") as server:
        job = approved_job(deps)
        server.create(job.params["slug"])
        enable_wordpress_org(deps, server)
        (deps.settings.forge_home / "secrets" / "wporg-svn").write_text("not the password")
        step(deps, job, Step.PUBLISH)

        status, listed = call("GET", f"/publications?package_id={job.plugin_package_id}")
        assert status == 200, listed
        by_type = {p["connector_type"]: p for p in listed}
        assert by_type["molam"]["publication_status"] == "published"
        assert by_type["wordpress_org"]["publication_status"] == "failed"
        assert by_type["wordpress_org"]["connector"] == "WordPress.org Plugin Directory"
        status, package = call("GET", f"/packages/{job.plugin_package_id}")
        assert {p["connector_type"]: p["publication_status"] for p in package["publications"]} == {
            "molam": "published",
            "wordpress_org": "failed",
        }

        (deps.settings.forge_home / "secrets" / "wporg-svn").write_text(SVN_PASSWORD)
        status, retried = call("POST", f"/publications/{by_type['wordpress_org']['id']}/retry")
        assert status == 200, retried
        assert (retried["publication_status"], retried["attempts"]) == ("published", 2)
        assert server.ls(job.params["slug"], "tags") == [f"{job.params['version']}/"]

        status, again = call("POST", f"/publications/{by_type['molam']['id']}/retry")
        assert status == 409, again
        assert again["error"]

        status, detail = call("GET", f"/publications/{by_type['wordpress_org']['id']}")
        assert status == 200
        moves = [(e["from_status"], e["to_status"]) for e in detail["events"]]
        assert (None, "pending") in moves
        assert ("pending", "failed") in moves
        assert ("failed", "pending") in moves
        assert moves[-1] == ("pending", "published")


def test_mark_done_needs_a_manual_step_and_a_note(api: Any) -> None:
    deps = api_deps()
    job = approved_job(deps)
    step(deps, job, Step.PUBLISH)
    molam = call("GET", f"/publications?package_id={job.plugin_package_id}")[1][0]
    status, body = call("POST", f"/publications/{molam['id']}/done", {"note": "uploaded"})
    assert status == 409, body
    status, body = call("POST", f"/publications/{molam['id']}/done", {"note": "line\nbreak"})
    assert status in (400, 422), body
    status, body = call("GET", "/publications?package_id=00000000-0000-0000-0000-000000000000")
    assert status == 404, body
