"""A reproducible build of a revoked release has the same sha256: Sign and Publish refuse it, naming when it was
revoked, instead of shipping a zip every merchant check rejects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from forge.errors import StepFailed
from forge.models.job import Step
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.revocation import revoke_package
from tests.integration.supply_chain.flow import approve, new_job, released, step


@pytest.fixture
def deps(forge_env: Path, softhsm: str) -> Iterator[PipelineDeps]:
    from forge.wiring import default_deps, reset_deps

    reset_deps()
    yield default_deps()
    reset_deps()


def test_sign_refuses_a_rebuild_of_a_revoked_zip(deps: PipelineDeps) -> None:
    first, _ = released(deps)
    assert first.plugin_package_id is not None
    revoke_package(deps, first.plugin_package_id, "leaked API key", "root")

    again = new_job(deps)
    step(deps, again, Step.PACKAGE)
    assert again.plugin_package_id is not None
    rebuilt = deps.repos.packages.get(again.plugin_package_id)
    assert rebuilt.zip_sha256 == deps.repos.packages.get(first.plugin_package_id).zip_sha256
    with pytest.raises(StepFailed, match=r"this exact zip .* was revoked on \d{4}-\d\d-\d\dT.*bump the version"):
        step(deps, again, Step.SIGN)
    after = deps.repos.packages.get(again.plugin_package_id)
    assert after.signature is None
    assert after.status != "signed"


def test_sign_accepts_the_same_spec_with_a_bumped_version(deps: PipelineDeps) -> None:
    first, _ = released(deps)
    assert first.plugin_package_id is not None
    revoke_package(deps, first.plugin_package_id, "leaked API key", "root")

    bumped = new_job(deps, "9.9.9")
    step(deps, bumped, Step.PACKAGE)
    step(deps, bumped, Step.SIGN)
    assert bumped.plugin_package_id is not None
    assert deps.repos.packages.get(bumped.plugin_package_id).status == "signed"


def test_publish_refuses_a_zip_revoked_while_it_awaited_approval(deps: PipelineDeps) -> None:
    first, _ = released(deps)
    waiting = new_job(deps)
    step(deps, waiting, Step.PACKAGE)
    step(deps, waiting, Step.SIGN)  # not revoked yet: signing goes through
    assert first.plugin_package_id is not None
    assert waiting.plugin_package_id is not None
    revoke_package(deps, first.plugin_package_id, "supplier compromised", "root")
    approve(deps, waiting.plugin_package_id, "alice", "bob")

    with pytest.raises(StepFailed, match=r"was revoked on .*supplier compromised.*bump the version"):
        step(deps, waiting, Step.PUBLISH)
    assert deps.repos.packages.get(waiting.plugin_package_id).status != "published"
    assert deps.repos.revocations.revoked_zip("0" * 64) is None
