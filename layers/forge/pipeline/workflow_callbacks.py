"""Delivering the outbox: tell each waiting workflow what was decided, until Step Functions acknowledges it.

A decision is committed with its callback (forge.db.repositories.approvals.close); delivery is a separate act that
may fail (Step Functions throttled or unreachable, the process killed). The deciding request delivers at once; the
sweeper (every minute in AWS, every few seconds in the local runtime) delivers whatever is still due, with backoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from forge.errors import Conflict
from forge.models.callback import WorkflowCallback
from forge.observability import emit_metric, logger
from forge.pipeline.deps import PipelineDeps

MAX_BACKOFF_SECONDS = 300.0
SWEEP_BATCH = 50


@dataclass(frozen=True)
class SweepResult:
    delivered: int = 0
    retrying: int = 0
    abandoned: int = 0


def backoff_seconds(attempts: int) -> float:
    return min(2.0 ** max(attempts, 1), MAX_BACKOFF_SECONDS)


def _send(deps: PipelineDeps, callback: WorkflowCallback) -> str:
    """'delivered', 'retrying' or 'abandoned'; never raises, so one bad callback cannot stop a sweep."""
    extra = {"job_id": str(callback.job_id), "callback_id": str(callback.id), "attempt": callback.attempts}
    try:
        if callback.outcome == "success":
            deps.workflow.send_success(callback.task_token, callback.output or {})
        else:
            deps.workflow.send_failure(callback.task_token, callback.error or "Failed", callback.cause or "")
    except Conflict as exc:
        # The workflow no longer waits on this token (timed out, cancelled, runtime restarted): nothing to release.
        deps.repos.callbacks.abandon(callback.id, str(exc))
        logger.warning("workflow callback abandoned", extra={**extra, "reason": str(exc)})
        emit_metric("forge_workflow_callbacks_abandoned_total", 1)
        return "abandoned"
    except Exception as exc:  # noqa: BLE001 - any failure to deliver is retried; the decision itself is committed
        delay = backoff_seconds(callback.attempts)
        deps.repos.callbacks.retry_later(callback.id, f"{type(exc).__name__}: {exc}", delay)
        logger.warning("workflow callback not delivered; will retry", extra={**extra, "error": str(exc)[:500]})
        emit_metric("forge_workflow_callback_failures_total", 1)
        return "retrying"
    deps.repos.callbacks.delivered(callback.id)
    logger.info("workflow callback delivered", extra={**extra, "outcome": callback.outcome})
    return "delivered"


def deliver(deps: PipelineDeps, callback_id: UUID) -> bool:
    """Deliver one queued callback now, unless someone else holds it; True when Step Functions took it."""
    callback = deps.repos.callbacks.claim(callback_id)
    return callback is not None and _send(deps, callback) == "delivered"


def sweep(deps: PipelineDeps, limit: int = SWEEP_BATCH) -> SweepResult:
    outcomes = [_send(deps, callback) for callback in deps.repos.callbacks.claim_due(limit)]
    return SweepResult(
        delivered=outcomes.count("delivered"),
        retrying=outcomes.count("retrying"),
        abandoned=outcomes.count("abandoned"),
    )
