"""Drives package → sign → (approvals) → publish for one job through the real step bookkeeping, without the
state machine: the supply-chain tests need the release folder, not the workflow."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

from forge.auth import mfa, totp
from forge.auth.secret_box import secret_box
from forge.models.job import Job, Step, StepEvent
from forge.models.spec import load_spec
from forge.packaging.archive import zip_tree
from forge.pipeline import artifacts_layout
from forge.pipeline.approvals import decide, request_for_package
from forge.pipeline.bookkeeping import run_step
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.steps.package import package
from forge.pipeline.steps.publish import publish
from forge.pipeline.steps.sign import sign

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "woocommerce.yaml"


def source_tree(slug: str, version: str) -> dict[str, bytes]:
    return {
        f"{slug}.php": f"<?php\n/**\n * Plugin Name: Test\n * Version: {version}\n */\n".encode(),
        "includes/class-gateway.php": b"<?php\nclass Molam_Gateway {}\n",
        "composer.json": json.dumps({"name": f"molam/{slug}", "require": {"php": ">=8.1"}}).encode(),
        "composer.lock": json.dumps(
            {"packages": [{"name": "psr/log", "version": "3.0.2", "dist": {"shasum": "a" * 40}}]}
        ).encode(),
        "tests/GatewayTest.php": b"<?php\n",
    }


def new_job(deps: PipelineDeps, version: str | None = None) -> Job:
    spec = load_spec(EXAMPLE)
    if version:
        spec = spec.model_copy(update={"version": version})
    job, _ = deps.repos.jobs.create(spec, "tester", None)
    deps.artifacts.put(artifacts_layout.source_zip(job.id), zip_tree(source_tree(spec.slug, spec.version)))
    return job


def step(deps: PipelineDeps, job: Job, which: Step) -> None:
    body = {Step.PACKAGE: package, Step.SIGN: sign, Step.PUBLISH: publish}[which]
    run_step(deps, which, StepEvent(job_id=job.id, delivery=f"test:{which.value}"), body)


_seeds: dict[tuple[str, str], str] = {}


def enrolled(deps: PipelineDeps, name: str) -> str:
    """The approver's TOTP seed (what their authenticator app holds), enrolling them on first use."""
    key = (deps.repos.approvers.db.dsn, name)
    if key not in _seeds:
        _seeds[key] = mfa.enroll(deps.repos.approvers, secret_box(deps.settings), name, "admin", replace=True).seed
    return _seeds[key]


def fresh_code(deps: PipelineDeps, name: str) -> str:
    """A code the server has not seen from this approver yet (the next step when the current one was used)."""
    used = deps.repos.approvers.get(name)
    step = max(totp.current_step(), (used.last_used_step + 1) if used else 0)
    return totp.code_at_step(enrolled(deps, name), step)


def approve(deps: PipelineDeps, package_id: UUID, *approvers: str) -> None:
    """Real approvals: each approver enrolled for TOTP decides through the domain with a valid code, so each
    row is signed by the forge signer like one made through the API."""
    request, _ = request_for_package(deps, package_id, "tester")

    def check(approver: str, code: str) -> None:
        mfa.verify(deps.repos.approvers, secret_box(deps.settings), approver, code)

    for who in approvers:
        decide(deps, request.id, who, "plugin_forge_ops", True, "ok", fresh_code(deps, who), check)


def released(deps: PipelineDeps, version: str | None = None) -> tuple[Job, Path]:
    """A published release folder for a fresh job."""
    job = new_job(deps, version)
    step(deps, job, Step.PACKAGE)
    step(deps, job, Step.SIGN)
    assert job.plugin_package_id is not None
    approve(deps, job.plugin_package_id, "alice", "bob")
    step(deps, job, Step.PUBLISH)
    spec = load_spec(EXAMPLE)
    return job, deps.settings.marketplace_dir / spec.slug / (version or spec.version)
