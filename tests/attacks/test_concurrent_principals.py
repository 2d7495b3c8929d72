"""Requests served at the same time never act as each other's caller: an ops user's request, served while an admin's
is still inside its route, is refused an admin route (the local server serves requests concurrently, one resolver
per request being served; a resolver built while another serves must not inherit that request's caller)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from forge.pipeline.deps import PipelineDeps
from tests.integration.local.held_api import held_api

ANSWER_SECONDS = 30.0


def test_an_ops_request_beside_an_admin_one_gets_no_admin_rights(
    serve_api: Callable[[PipelineDeps], PipelineDeps], tmp_path: Path
) -> None:
    with held_api(serve_api, tmp_path / "auth") as api:
        admins = api.in_background("/jobs", "root", "admin")
        assert api.hold.entered.wait(ANSWER_SECONDS), "the admin's request never reached its route"

        as_ops = [api.get("/approvers", "carol", "ops", ANSWER_SECONDS) for _ in range(3)]

        api.hold.release.set()
        assert admins().status_code == 200

    assert [r.status_code for r in as_ops] == [403, 403, 403], [r.text for r in as_ops]
    assert all("pay_admin" in r.json()["message"] for r in as_ops)
