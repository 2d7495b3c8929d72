"""The one mechanism every step goes through: its forge_runs row, logs, artifacts, duration, metrics.

A step body receives a StepContext and returns a StepOutcome; it never writes forge_runs itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from forge.errors import ForgeError, StepFailed, TransientError
from forge.models.job import Job, RunStatus, Step, StepEvent, StepResult
from forge.models.spec import PluginSpec, parse_spec
from forge.observability import emit_metric, logger
from forge.pipeline.deps import PipelineDeps


@dataclass
class StepOutcome:
    summary: str = ""
    artifacts: dict[str, Any] = field(default_factory=dict)
    # The approval wait: the run stays open until approvers decide (the API closes it).
    keep_open: bool = False


@dataclass
class StepContext:
    deps: PipelineDeps
    job: Job
    spec: PluginSpec
    step: Step
    run_id: UUID
    delivery: str

    @property
    def package_id(self) -> UUID:
        if self.job.plugin_package_id is None:  # asked for only by the steps after Package
            raise RuntimeError(f"job {self.job.id} has no package yet")
        return self.job.plugin_package_id

    def log(self, text: str) -> None:
        """Append to this run's logs (what `forge job ID` and the API show) and to the JSON log stream."""
        self.deps.repos.runs.append_log(self.run_id, text)
        logger.info(text.splitlines()[0][:200] if text else "", extra={"run_id": str(self.run_id)})


StepBody = Callable[[StepContext], StepOutcome]


def _result(job_id: UUID, step: Step, run_id: UUID, status: RunStatus, summary: str) -> StepResult:
    return StepResult(job_id=job_id, step=step, status=status, run_id=run_id, summary=summary)


def run_step(deps: PipelineDeps, step: Step, event: StepEvent, body: StepBody) -> StepResult:
    repos = deps.repos
    job = repos.jobs.get(event.job_id)
    if job.status.finished:
        # A task delivered after cancel (or a stray retry): do nothing, and say why.
        raise StepFailed(f"job {job.id} is {job.status.value}; {step.value} not run")
    run, existed = repos.runs.open(job.id, step, event.delivery)
    if existed and run.status is RunStatus.SUCCESS:
        logger.info("re-delivered task: returning the recorded result", extra={"run_id": str(run.id)})
        return _result(job.id, step, run.id, run.status, run.artifacts.get("summary", ""))
    if existed:
        repos.runs.restart(run.id)
    repos.jobs.at_step(job.id, step)
    # No allowlist: the spec was checked against the one in force when the job was submitted (pipeline.jobs.submit).
    ctx = StepContext(deps, job, parse_spec(job.params, f"job {job.id}"), step, run.id, event.delivery)

    logger.thread_safe_append_keys(job_id=str(job.id), step=step.value)
    started = time.monotonic()
    try:
        outcome = body(ctx)
    except TransientError as exc:
        _fail(ctx, f"transient error (will be retried): {exc}")
        raise
    except StepFailed as exc:
        _fail(ctx, str(exc))
        raise
    except ForgeError as exc:
        _fail(ctx, str(exc))
        raise StepFailed(str(exc)) from exc
    except Exception as exc:
        logger.exception("step crashed")
        _fail(ctx, f"internal error: {type(exc).__name__}: {exc}")
        raise
    finally:
        logger.thread_safe_remove_keys(["job_id", "step"])
    if outcome.keep_open:
        repos.runs.append_log(run.id, outcome.summary)
        return _result(job.id, step, run.id, RunStatus.RUNNING, outcome.summary)
    elapsed = time.monotonic() - started
    repos.runs.append_log(run.id, outcome.summary or f"{step.value} done")
    repos.runs.finish(run.id, RunStatus.SUCCESS, {**outcome.artifacts, "summary": outcome.summary})
    emit_metric("forge_step_duration_seconds", round(elapsed, 3), "Seconds", step=step.value)
    return _result(job.id, step, run.id, RunStatus.SUCCESS, outcome.summary)


def _fail(ctx: StepContext, message: str) -> None:
    ctx.deps.repos.runs.append_log(ctx.run_id, "ERROR: " + message)
    ctx.deps.repos.runs.finish(ctx.run_id, RunStatus.FAILED, error=message[:10_000])
    emit_metric("forge_step_failures_total", 1, step=ctx.step.value)
    logger.warning("step failed", extra={"job_id": str(ctx.job.id), "step": ctx.step.value, "error": message[:500]})
