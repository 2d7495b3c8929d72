"""The short form of bench/faults.py, run by `make test`: one trial of each kind of fault against a local runtime
running as its own process (tests/chaos/harness.py says how faults strike at points inside a step). Every job ends
published, either by itself or after `forge retry`; none is lost or stuck, no run is left "running"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.chaos.harness import (
    Lab,
    artifact_store_broken,
    hsm_token_missing,
    kill_in_approval_wait,
    kill_in_step,
    new_lab,
    postgres_restart_in_step,
)


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    started = new_lab()
    started.start()
    yield started
    started.stop()


@pytest.fixture(autouse=True)
def _clean_after(lab: Lab) -> Iterator[None]:
    """A trial that failed may leave a hold armed, the runtime down or a job in flight: the next starts clean."""
    yield
    lab.recover()


@pytest.mark.parametrize(("step", "point"), [("build", "working"), ("publish", "finishing")])
def test_sigkill_inside_a_step_then_retry_publishes(lab: Lab, step: str, point: str) -> None:
    assert kill_in_step(lab, step, point).startswith("failed with retry hint")


def test_sigkill_during_the_approval_wait_keeps_the_approvals_given(lab: Lab) -> None:
    assert "published" in kill_in_approval_wait(lab, approvals_before=1, kills=1)


def test_postgres_restarted_mid_step_is_retried_and_the_job_publishes(lab: Lab) -> None:
    assert "published without retry" in postgres_restart_in_step(lab, "package", "working", down_seconds=1.0)


def test_the_hsm_token_gone_fails_sign_clearly_and_retry_publishes(lab: Lab) -> None:
    assert "retry published" in hsm_token_missing(lab)


def test_a_full_artifact_store_fails_package_cleanly_and_retry_publishes(lab: Lab) -> None:
    assert "retry published" in artifact_store_broken(lab, "full")
