"""Request and response bodies of the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from forge.models.approver import ApproverStatus, SecurityEvent, SecurityEventKind
from forge.models.gauges import GaugeReadings
from forge.models.job import Job, JobStatus, JobSummary, Run, RunStatus, Step
from forge.models.package import Approval, ApprovalRequest, ApprovalStatus, Package, PackageStatus
from forge.models.publication import MarketplaceConnector, Publication, PublicationEvent
from forge.models.results import StoredCompatibilityRow, StoredTestRow
from forge.models.spec import PluginSpec
from forge.pipeline.review import SbomSummary, SourceDiff
from forge.signing.keyset import PublicKey


class _Body(BaseModel):
    # Built at first use, not at load: each body's validator is built when a request first needs it, so a cold
    # Lambda container serving GET /jobs does not build the approval forms' (about 15 ms of every API cold start).
    model_config = ConfigDict(defer_build=True)


class _In(_Body):
    model_config = ConfigDict(extra="forbid")


class CreateJob(_In):
    spec: PluginSpec
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200)


class Decide(_In):
    comment: str | None = Field(default=None, max_length=2000)
    mfa_code: str = Field(pattern=r"^\d{6}$", description="The approver's current TOTP code (RFC 6238)")


class RequestApproval(_In):
    package_id: UUID


class EnrollApprover(_In):
    name: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._@-]+$")
    replace: bool = Field(default=False, description="Issue a new secret to an approver already enrolled")


class EnrolmentView(_Body):
    name: str
    otpauth_uri: str
    secret: str


class ApproverAction(_In):
    reason: str = Field(min_length=1, max_length=500, description="Why (kept in the audit)")

    @field_validator("reason")
    @classmethod
    def _printable(cls, value: str) -> str:
        # Shown back in the CLI and the audit: one readable line, no terminal control characters.
        if not value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError("must be text on one line (no control characters), not blank")
        return value.strip()


class ApproverView(_Body):
    name: str
    enrolled_at: datetime
    enrolled_by: str
    active: bool = Field(description="False once an admin deactivated the approver (re-enrolment reactivates)")
    deactivated_at: datetime | None
    deactivated_by: str | None
    locked: bool = Field(description="Locked by failed MFA codes: refused until an admin unlocks")
    locked_since: datetime | None
    failed_attempts: int = Field(description="Failed codes counting towards the lock (the current window's)")

    @classmethod
    def of(cls, status: ApproverStatus, window: timedelta) -> ApproverView:
        return cls(
            name=status.name,
            enrolled_at=status.enrolled_at,
            enrolled_by=status.enrolled_by,
            active=status.active,
            deactivated_at=status.deactivated_at,
            deactivated_by=status.deactivated_by,
            locked=status.locked,
            locked_since=status.locked_at,
            failed_attempts=status.failures_in_window(window, datetime.now(UTC)),
        )


class ApproverList(_Body):
    approvers: list[ApproverView]
    max_failures: int = Field(description="Failed codes that lock an approver")
    window_seconds: int = Field(description="The window those failures are counted in")


class SecurityEventView(_Body):
    id: int
    approver: str
    event: SecurityEventKind
    actor: str = Field(description="Who: the admin, or the approver whose code failed")
    reason: str | None
    details: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, event: SecurityEvent) -> SecurityEventView:
        return cls.model_validate(event.model_dump())


class SecurityEventList(_Body):
    events: list[SecurityEventView]


class RunView(_Body):
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


class JobView(_Body):
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
    def of(cls, given: Job | JobSummary) -> JobView:
        job = given if isinstance(given, JobSummary) else JobSummary.of(given)
        return cls(
            id=job.id,
            status=job.status,
            cms=job.cms,
            name=job.name,
            slug=job.slug,
            version=job.version,
            requested_by=job.requested_by,
            current_step=job.current_step,
            error=job.error,
            package_id=job.plugin_package_id,
            execution_arn=job.execution_arn,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


class ApprovalView(_Body):
    id: UUID
    approval_request_id: UUID | None
    approver_id: str
    approver_role: str
    approved: bool
    comment: str | None
    mfa_verified: bool
    signature: str
    signing_key_id: str | None = None
    created_at: datetime

    @classmethod
    def of(cls, approval: Approval) -> ApprovalView:
        return cls.model_validate(approval.model_dump())


class ApprovalRequestView(_Body):
    id: UUID
    plugin_package_id: UUID
    job_id: UUID | None
    requested_by: str
    status: ApprovalStatus
    required_approvals: int
    created_at: datetime
    expires_at: datetime | None
    decided_at: datetime | None

    @classmethod
    def of(cls, request: ApprovalRequest) -> ApprovalRequestView:
        return cls.model_validate(request.model_dump())


class PackageView(_Body):
    id: UUID
    name: str
    slug: str
    version: str
    cms: str
    status: PackageStatus
    zip_sha256: str | None
    signing_key_id: str | None
    manifest: dict[str, Any] | None
    revoked_at: datetime | None
    revocation_reason: str | None
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, package: Package) -> PackageView:
        return cls.model_validate(package.model_dump())


class PackagePage(_Body):
    items: list[PackageView]
    next_cursor: str | None


class SignatureView(_Body):
    signature: str | None
    signing_key_id: str | None
    zip_sha256: str | None
    manifest: dict[str, Any] | None


class ContractTestView(_Body):
    test_suite: str
    test_name: str
    result: str
    details: dict[str, Any]
    job_id: UUID | None
    created_at: datetime

    @classmethod
    def of(cls, row: StoredTestRow) -> ContractTestView:
        return cls.model_validate(row.model_dump())


class CompatibilityView(_Body):
    cms: str
    cms_version: str
    php_version: str
    tested: bool
    test_result: str
    details: dict[str, Any]
    updated_at: datetime

    @classmethod
    def of(cls, row: StoredCompatibilityRow) -> CompatibilityView:
        return cls.model_validate(row.model_dump())


class PublicationView(_Body):
    id: UUID
    marketplace_connector_id: UUID
    connector: str = Field(description="The connector's name (marketplace_connectors.name)")
    connector_type: str
    publication_status: str = Field(description="pending, published, failed, retracting or retracted")
    external_id: str | None
    url: str | None
    error: str | None
    connector_message: str | None = Field(description="What the marketplace or its tool said last (untrusted text)")
    manual_action: str | None = Field(description="Set while a person must act; POST .../done once it is done")
    attempts: int
    last_attempt_at: datetime | None
    published_at: datetime | None
    retracted_at: datetime | None

    @classmethod
    def of(cls, publication: Publication, connector: MarketplaceConnector) -> PublicationView:
        return cls.model_validate(
            publication.model_dump() | {"connector": connector.name, "connector_type": connector.connector_type}
        )


class PublicationEventView(_Body):
    from_status: str | None
    to_status: str
    message: str | None
    attempts: int
    created_at: datetime

    @classmethod
    def of(cls, event: PublicationEvent) -> PublicationEventView:
        return cls.model_validate(event.model_dump())


class PublicationDetail(_Body):
    publication: PublicationView
    events: list[PublicationEventView]


class PackageDetail(_Body):
    package: PackageView
    signature: SignatureView
    contract_tests: list[ContractTestView]
    compatibility: list[CompatibilityView]
    approval_requests: list[ApprovalRequestView]
    approvals: list[ApprovalView]
    publications: list[PublicationView]


class JobDetail(_Body):
    job: JobView
    runs: list[RunView]
    package: PackageView | None
    approval_request: ApprovalRequestView | None
    approvals: list[ApprovalView]


class JobPage(_Body):
    items: list[JobView]
    next_cursor: str | None


class RunLog(_Body):
    run_id: UUID
    step: Step
    attempt: int
    status: RunStatus
    text: str


class LogPage(_Body):
    runs: list[RunLog]
    cursor: str


class ApprovalRequestCreated(_Body):
    request: ApprovalRequestView
    created: bool


class DecisionView(_Body):
    approval: ApprovalView
    request: ApprovalRequestView
    released: bool


class ErrorBody(_Body):
    error: str
    message: str
    problems: list[str] = []


class QueuedApproval(_Body):
    """One approval request with what a list needs beside it: the package and the decisions so far."""

    request: ApprovalRequestView
    package: PackageView
    approvals: list[ApprovalView]


class ApprovalQueue(_Body):
    items: list[QueuedApproval]


class StepStats(_Body):
    runs: int
    failed: int
    success_rate: float | None = Field(description="Runs that did not fail over all runs of the step")
    avg_duration_ms: int | None


class StatsView(_Body):
    """Job counts over the last `days` days; `gauges` are the levels now, whatever the window."""

    days: int
    total: int
    success: int
    failed: int
    cancelled: int
    running: int
    queued: int
    awaiting_approval: int
    success_rate: float | None = Field(description="success / (success + failed), null before any finished job")
    avg_duration_seconds: float | None = Field(description="Mean duration of the successful jobs")
    steps: dict[str, StepStats] = Field(description="Per step (generate, build, ...): runs in the window's jobs")
    gauges: GaugeReadings

    @classmethod
    def of(cls, raw: dict[str, Any], gauges: GaugeReadings) -> StatsView:
        steps = {
            name: StepStats(
                runs=s["runs"],
                failed=s["failed"],
                success_rate=round((s["runs"] - s["failed"]) / s["runs"], 4) if s["runs"] else None,
                avg_duration_ms=s["avg_duration_ms"],
            )
            for name, s in (raw.get("steps") or {}).items()
        }
        return cls.model_validate({**raw, "steps": steps, "gauges": gauges})


class ReviewView(_Body):
    """Everything an approver weighs for one package, on one screen. Texts from the pipeline (logs, findings,
    diffs, test details) are the plugin's and its tools' words: untrusted, to be shown as text."""

    package: PackageView
    job: JobView | None
    spec: dict[str, Any] = Field(description="The plugin spec the job was asked for")
    runs: list[RunView] = Field(description="The latest attempt of each step")
    scan_findings: list[str] = Field(description="The analyser's findings from the Build step, then its summary")
    contract_tests: list[ContractTestView]
    compatibility: list[CompatibilityView]
    sbom: SbomSummary | None
    signature: SignatureView
    signing_key: PublicKey | None = Field(description="The key that signed the package, with its status now")
    diff: SourceDiff = Field(description="The generated source against the previous published version of the slug")
    approval_requests: list[ApprovalRequestView]
    approvals: list[ApprovalView]
