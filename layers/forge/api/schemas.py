"""Request and response bodies of the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from forge.models.job import Job, JobStatus, Run, RunStatus, Step
from forge.models.package import Approval, ApprovalRequest, Package
from forge.models.spec import PluginSpec


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateJob(_In):
    spec: PluginSpec
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200)


class Decide(_In):
    comment: str | None = Field(default=None, max_length=2000)
    mfa_code: str | None = Field(default=None, pattern=r"^\d{6}$")


class RunView(BaseModel):
    id: UUID
    step: Step
    attempt: int
    status: RunStatus
    error: str | None
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    artifacts: dict[str, Any]

    @classmethod
    def of(cls, run: Run) -> RunView:
        return cls.model_validate(run.model_dump())


class JobView(BaseModel):
    id: UUID
    status: JobStatus
    cms: str
    name: str
    slug: str
    version: str
    requested_by: str
    current_step: Step | None
    error: str | None
    package_id: UUID | None
    execution_arn: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobView:
        return cls(
            id=job.id,
            status=job.status,
            cms=job.cms,
            name=job.params.get("name", ""),
            slug=job.params.get("slug", ""),
            version=job.params.get("version", ""),
            requested_by=job.requested_by,
            current_step=job.current_step,
            error=job.error,
            package_id=job.plugin_package_id,
            execution_arn=job.execution_arn,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


class ApprovalView(BaseModel):
    approver_id: str
    approver_role: str
    approved: bool
    comment: str | None
    created_at: datetime

    @classmethod
    def of(cls, approval: Approval) -> ApprovalView:
        return cls.model_validate(approval.model_dump())


class ApprovalRequestView(BaseModel):
    id: UUID
    status: str
    required_approvals: int
    created_at: datetime
    expires_at: datetime | None
    decided_at: datetime | None

    @classmethod
    def of(cls, request: ApprovalRequest) -> ApprovalRequestView:
        return cls.model_validate(request.model_dump())


class PackageView(BaseModel):
    id: UUID
    name: str
    slug: str
    version: str
    cms: str
    status: str
    zip_sha256: str | None
    signing_key_id: str | None
    manifest: dict[str, Any] | None
    revoked_at: datetime | None
    revocation_reason: str | None

    @classmethod
    def of(cls, package: Package) -> PackageView:
        return cls.model_validate(package.model_dump())


class JobDetail(BaseModel):
    job: JobView
    runs: list[RunView]
    package: PackageView | None
    approval_request: ApprovalRequestView | None
    approvals: list[ApprovalView]


class JobPage(BaseModel):
    items: list[JobView]
    next_cursor: str | None


class RunLog(BaseModel):
    run_id: UUID
    step: Step
    attempt: int
    status: RunStatus
    text: str


class LogPage(BaseModel):
    runs: list[RunLog]
    cursor: str


class DecisionView(BaseModel):
    approval: ApprovalView
    request: ApprovalRequestView
    released: bool


class ErrorBody(BaseModel):
    error: str
    message: str
    problems: list[str] = []
