"""Guarantee: whatever the interleaving of a revocation and Publish, a revoked package is not downloadable afterwards
(its release folder is gone from the marketplace and its publication is marked retracted)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from forge.db.repositories.publications import PublicationRepository
from forge.errors import StepFailed
from forge.models.job import Job, Step
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.revocation import revoke_package
from forge.publishing.folder_marketplace import FolderMarketplace
from tests.integration.supply_chain.flow import approve, new_job, step


def approved_job(deps: PipelineDeps) -> Job:
    job = new_job(deps)
    step(deps, job, Step.PACKAGE)
    step(deps, job, Step.SIGN)
    assert job.plugin_package_id is not None
    approve(deps, job.plugin_package_id, "alice", "bob")
    return job


def around(cls: type, name: str, revoke: Callable[[], None], before: bool) -> Callable[..., Any]:
    original = getattr(cls, name)
    done: list[bool] = []

    def once() -> None:
        # The admin revokes once; the retraction that follows calls the wrapped method again.
        if not done:
            done.append(True)
            revoke()

    def wrapped(self: object, *args: Any, **kwargs: Any) -> Any:
        if before:
            once()
        result = original(self, *args, **kwargs)
        if not before:
            once()
        return result

    return wrapped


# Where the admin's revocation lands inside Publish: after Publish's checks but before it writes the release, between
# writing the release and recording the publication, after the publication is recorded, and after a connector's
# attempt claimed the publication but before the merchant's check ran.
INTERLEAVINGS = {
    "after the checks, before the write": (FolderMarketplace, "publish", True),
    "after the write, before the record": (FolderMarketplace, "publish", False),
    "after the record": (PublicationRepository, "published", False),
    "after the claim, before the check": (PublicationRepository, "claim", False),
}


@pytest.mark.parametrize("where", sorted(INTERLEAVINGS))
def test_a_revocation_racing_publish_leaves_nothing_to_download(
    deps: PipelineDeps, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    job = approved_job(deps)
    package_id = job.plugin_package_id
    assert package_id is not None
    cls, method, before = INTERLEAVINGS[where]
    monkeypatch.setattr(
        cls, method, around(cls, method, lambda: revoke_package(deps, package_id, "leaked key", "admin"), before)
    )
    try:
        step(deps, job, Step.PUBLISH)
    except StepFailed as exc:  # it may also succeed, then retract: it depends on the interleaving
        assert "revoked" in str(exc)  # noqa: PT017
    release = deps.settings.marketplace_dir / job.params["slug"] / job.params["version"]
    assert not release.exists(), f"{release} is still downloadable after the revocation"
    assert deps.repos.packages.get(package_id).status == "revoked"
    assert {p.publication_status for p in deps.repos.publications.for_package(package_id)} <= {"retracted"}
