"""Every shipped example spec, not only the WooCommerce one the demo flow test follows, goes through every step to a
release a merchant can verify and a publication on each of its platform's connectors."""

from __future__ import annotations

from pathlib import Path

import pytest

from forge.cli.client import spec_payload
from forge.local.runtime import LocalRuntime
from forge.signing.release_check import check_release
from tests.e2e.conftest import EXAMPLE, client_for, wait_for

pytestmark = pytest.mark.e2e

OTHER_EXAMPLES = sorted(p for p in EXAMPLE.parent.glob("*.yaml") if p != EXAMPLE)


def test_there_is_an_example_for_another_platform() -> None:
    assert OTHER_EXAMPLES, "examples/ holds only the WooCommerce spec"


@pytest.mark.parametrize("example", OTHER_EXAMPLES, ids=lambda p: p.stem)
def test_example_is_published_and_verifies(runtime: LocalRuntime, example: Path) -> None:
    ops = client_for(runtime, "erin")
    job = ops.submit(spec_payload(example))
    detail = wait_for(ops, job["id"], ("awaiting_approval", "failed", "cancelled"))
    assert detail["job"]["status"] == "awaiting_approval", detail["job"]["error"]
    request_id = detail["approval_request"]["id"]
    client_for(runtime, "alice").decide(request_id, True)
    assert client_for(runtime, "bob").decide(request_id, True)["released"] is True

    detail = wait_for(ops, job["id"], ("success", "failed"))
    assert detail["job"]["status"] == "success", detail["job"]["error"]
    publish = next(r for r in detail["runs"] if r["step"] == "publish")
    report = check_release(Path(publish["artifacts"]["folder"]))
    assert report.ok, [c for c in report.checks if not c.ok]
    publications = ops.publications(detail["job"]["package_id"])
    assert publications
    assert all(p["publication_status"] == "published" for p in publications), publications
