"""The local server serves API requests at the same time, as several Lambda containers would: a request held inside
its route does not keep other requests waiting, and each request is answered from its own event."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from forge.pipeline.deps import PipelineDeps
from tests.integration.local.held_api import held_api

# A generous bound on a hang: a server that queued requests behind the held one would never answer in it, since the
# hold is released only after this answer.
ANSWER_SECONDS = 30.0


def test_a_request_being_served_does_not_block_the_others(
    serve_api: Callable[[PipelineDeps], PipelineDeps], tmp_path: Path
) -> None:
    with held_api(serve_api, tmp_path / "auth") as api:
        slow = api.in_background("/jobs?cms=woocommerce&limit=5", "alice", "ops")
        assert api.hold.entered.wait(ANSWER_SECONDS), "the held request never reached its route"

        missing = uuid.uuid4()
        fast = [api.get(f"/jobs/{missing}", "bob", "ops", ANSWER_SECONDS) for _ in range(3)]
        health = api.get("/health", "bob", "ops", ANSWER_SECONDS)

        api.hold.release.set()
        held = slow()

    assert [r.status_code for r in fast] == [404, 404, 404]
    assert all(r.json()["error"] == "not_found" and str(missing) in r.json()["message"] for r in fast)
    assert health.status_code == 200
    # The held request finished on its own route and event, untouched by the three served meanwhile.
    assert held.status_code == 200, held.text
    assert held.json() == {"items": [], "next_cursor": None}
