"""Jobs, runs and the pipeline's step names."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from forge.models.steps import PIPELINE as PIPELINE
from forge.models.steps import Step as Step


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    AWAITING_APPROVAL = "awaiting_approval"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCESS, JobStatus.FAILED, JobStatus.CANCELLED)


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELLED = "cancelled"


class _Row(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="ignore")


class Job(_Row):
    id: UUID
    plugin_package_id: UUID | None
    requested_by: str
    params: dict[str, Any]
    cms: str
    status: JobStatus
    current_step: Step | None = None
    idempotency_key: str | None = None
    execution_arn: str | None = None
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class JobSummary(_Row):
    """A job as a list shows it: its spec's name, slug and version instead of the whole spec (a list page would
    otherwise parse and validate every job's spec, about 10 us per job for the examples' and growing with real ones)."""

    id: UUID
    plugin_package_id: UUID | None
    requested_by: str
    cms: str
    status: JobStatus
    name: str
    slug: str
    version: str
    current_step: Step | None = None
    execution_arn: str | None = None
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    created_at: datetime

    @classmethod
    def of(cls, job: Job) -> JobSummary:
        named = {key: str(job.params.get(key, "")) for key in ("name", "slug", "version")}
        return cls.model_validate({**job.model_dump(exclude={"params"}), **named})


class Run(_Row):
    id: UUID
    job_id: UUID
    step: Step
    attempt: int
    status: RunStatus
    logs: str = ""
    artifacts: dict[str, Any] = {}
    error: str | None = None
    started_at: datetime
    finished_at: datetime | None = None
    duration_ms: int | None = None


class StepEvent(BaseModel):
    """What the state machine hands every step: the job, and which delivery of the task this is."""

    model_config = ConfigDict(extra="ignore")

    job_id: UUID
    # "<execution name>:<retry count>": a re-delivered task has the same key and reuses its run.
    delivery: str = "manual"


class StepResult(BaseModel):
    """What a step returns to the state machine; kept small (the state payload limit is 256 KB)."""

    job_id: UUID
    step: Step
    status: RunStatus
    run_id: UUID
    summary: str = ""
