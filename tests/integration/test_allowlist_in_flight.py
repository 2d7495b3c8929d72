"""The API host allowlist a spec is checked against comes with the call (pydantic's validation context), never from
the environment of whoever reads the spec: a job is accepted against FORGE_ALLOWED_API_HOSTS as it is at submission,
and changing it later neither fails the steps of a job already in flight nor lets a new job through with a host
that is no longer listed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from forge.config import reset_settings
from forge.errors import SpecError
from forge.models.job import RunStatus, Step, StepEvent
from forge.models.spec import load_spec
from forge.pipeline.bookkeeping import run_step
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.jobs import submit
from forge.pipeline.steps.generate import generate
from forge.pipeline.steps.package import package
from forge.wiring import default_deps, reset_deps
from tests.integration.api.conftest import WorkflowSpy

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "woocommerce.yaml"
SANDBOX_API = "https://sandbox.api.molam.com/v1"


def deps_with_allowlist(monkeypatch: pytest.MonkeyPatch, hosts: str) -> PipelineDeps:
    """What a fresh Lambda container (or a restarted runtime) builds after the operator changed the variable."""
    monkeypatch.setenv("FORGE_ALLOWED_API_HOSTS", hosts)
    reset_settings()
    reset_deps()
    return replace(default_deps(), workflow=WorkflowSpy())


def test_a_changed_allowlist_does_not_fail_a_job_in_flight(forge_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_spec(EXAMPLE).model_copy(update={"api_base_url": SANDBOX_API})
    at_submission = deps_with_allowlist(monkeypatch, "api.molam.com,sandbox.api.molam.com")
    job, created = submit(at_submission, spec, "carol", None)
    assert created

    # The operator drops the sandbox host while the job runs: its later steps still read its spec.
    later = deps_with_allowlist(monkeypatch, "api.molam.com")
    try:
        for step, body in ((Step.GENERATE, generate), (Step.PACKAGE, package)):
            result = run_step(later, step, StepEvent(job_id=job.id, delivery=f"in-flight:{step.value}"), body)
            assert result.status is RunStatus.SUCCESS, result

        # A new job is checked against the allowlist in force now.
        with pytest.raises(SpecError, match="not allowlisted"):
            submit(later, spec.model_copy(update={"version": "1.0.1"}), "carol", None)
    finally:
        reset_deps()
        reset_settings()
