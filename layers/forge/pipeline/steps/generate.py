"""Generate: spec -> plugin source tree, audited, stored for the next steps.

On a repair attempt (the state machine looped back after a failed generate, build or test), the failed
run's error and logs, and the tree that failed, go back to the provider.
"""

from __future__ import annotations

from typing import Any

from forge.generation import Feedback, get_provider
from forge.generation.audit_trail import AuditTrail
from forge.generation.template_provider import tree_digest, tree_listing
from forge.models.job import RunStatus, Step
from forge.packaging.archive import unzip_tree, zip_tree
from forge.pipeline import artifacts_layout
from forge.pipeline.bookkeeping import StepContext, StepOutcome

REPAIRABLE = (Step.GENERATE, Step.BUILD, Step.TEST)


def repair_feedback(ctx: StepContext) -> Feedback | None:
    """The failure this attempt must fix: the job's latest earlier run, when it failed at a repairable step."""
    earlier = [r for r in ctx.deps.repos.runs.for_job(ctx.job.id) if r.id != ctx.run_id]
    if not earlier:
        return None
    last = max(earlier, key=lambda r: r.started_at)
    if last.status is not RunStatus.FAILED or last.step not in REPAIRABLE:
        return None
    source = artifacts_layout.source_zip(ctx.job.id)
    previous = unzip_tree(ctx.deps.artifacts.get(source)) if ctx.deps.artifacts.exists(source) else {}
    attempts = sum(1 for r in earlier if r.step is Step.GENERATE)
    return Feedback(attempt=attempts, step=last.step.value, error=last.error or "", logs=last.logs, previous=previous)


def generate(ctx: StepContext) -> StepOutcome:
    settings = ctx.deps.settings
    name = settings.generation_provider

    trail = AuditTrail(ctx.deps.repos.audit, ctx.deps.audit_archive)

    def audit(model_version: str, prompt: str, response: str, metadata: dict[str, Any]) -> None:
        trail.record(ctx.job.id, name, model_version, prompt, response, metadata)

    provider = get_provider(name, settings, audit, ctx.deps.isolated_runner)
    feedback = repair_feedback(ctx) if provider.repairs else None
    if feedback is not None:
        ctx.log(f"repair attempt {feedback.attempt}: sending the failed {feedback.step} step back to {name}")
    result = provider.generate(ctx.spec, feedback) if feedback else provider.generate(ctx.spec)
    ctx.log(f"{result.provider} provider ({result.model_version}) produced {len(result.tree)} files")
    ctx.log(tree_listing(result.tree))
    uri = ctx.deps.artifacts.put(artifacts_layout.source_zip(ctx.job.id), zip_tree(result.tree))
    return StepOutcome(
        summary=f"generated {len(result.tree)} files" + (f" (repair {feedback.attempt})" if feedback else ""),
        artifacts={
            "source": uri,
            "files": len(result.tree),
            "tree_sha256": tree_digest(result.tree),
            "provider": result.provider,
            "model_version": result.model_version,
        },
    )
