"""The repositories the domain is handed (PipelineDeps.repos), one Protocol per repository; forge.db implements
them on Postgres. Each method is one transaction. Adapters raise forge.errors only: NotFound, Conflict (a unique
or state rule refused the change), ForgeError (a check refused the values), TransientError (worth a retry)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from forge.models.approver import ApproverStatus, Attempt, EnrolledApprover, SecurityEvent
from forge.models.audit import ChainReport
from forge.models.callback import CallbackMessage, WorkflowCallback
from forge.models.gauges import GaugeReadings
from forge.models.job import Job, JobStatus, Run, RunStatus, Step
from forge.models.package import (
    ApprovalRequest,
    ApprovalStatus,
    Package,
    PackageStatus,
    Publication,
    RevocationListRow,
    SignedApproval,
    SigningKey,
)
from forge.models.results import CompatibilityRow, StoredCompatibilityRow, StoredTestRow, TestRow
from forge.models.spec import PluginSpec

Rows = list[dict[str, Any]]


class Jobs(Protocol):
    def create(self, spec: PluginSpec, requested_by: str, idempotency_key: str | None) -> tuple[Job, bool]:
        """The new job and True; with an idempotency key this requester already used for the same spec, the
        existing job and False (Conflict for a different spec)."""
        ...

    def get(self, job_id: UUID) -> Job: ...

    def page(
        self,
        *,
        status: str | None = None,
        cms: str | None = None,
        requested_by: str | None = None,
        before: tuple[datetime, UUID] | None = None,
        limit: int = 50,
    ) -> list[Job]: ...

    def started(self, job_id: UUID, execution_arn: str) -> None: ...

    def at_step(self, job_id: UUID, step: Step) -> bool:
        """Record the step now running; False when the job already finished."""
        ...

    def awaiting_approval(self, job_id: UUID) -> bool: ...

    def finish(self, job_id: UUID, status: JobStatus, error: str | None = None) -> bool:
        """Move an unfinished job to a final status; False when it had already finished."""
        ...

    def reopen(self, job_id: UUID) -> bool: ...

    def unfinished(self) -> list[Job]: ...

    def stats(self, days: int) -> dict[str, Any]: ...


class Runs(Protocol):
    def open(self, job_id: UUID, step: Step, delivery_key: str) -> tuple[Run, bool]:
        """The run for this delivery: (run, True) when it already existed (a re-delivered task)."""
        ...

    def restart(self, run_id: UUID) -> None: ...

    def append_log(self, run_id: UUID, text: str) -> None: ...

    def merge_artifacts(self, run_id: UUID, artifacts: dict[str, Any]) -> None: ...

    def finish(
        self, run_id: UUID, status: RunStatus, artifacts: dict[str, Any] | None = None, error: str | None = None
    ) -> bool:
        """Close a running run; False if it was closed already."""
        ...

    def close_running(self, job_id: UUID, status: RunStatus, error: str) -> int: ...

    def for_job(self, job_id: UUID) -> list[Run]: ...

    def last_failed(self, job_id: UUID) -> Run | None: ...


class Packages(Protocol):
    def get(self, package_id: UUID) -> Package: ...

    def set_status(self, package_id: UUID, status: PackageStatus) -> None:
        """Unless the package is revoked (final)."""
        ...

    def mark_failed(self, package_id: UUID) -> None: ...

    def set_built(self, package_id: UUID, zip_sha256: str, artifact_uri: str) -> None: ...

    def set_signed(self, package_id: UUID, manifest: dict[str, Any], signature_b64: str, key_id: str) -> None: ...

    def revoke(self, package_id: UUID, reason: str) -> Package: ...

    def pending_approval_requests(self, package_id: UUID) -> Rows:
        """{id, job_id, task_token} of the requests whose workflows wait on this package's approval."""
        ...

    def record_test_results(self, package_id: UUID, job_id: UUID, results: list[TestRow]) -> None: ...

    def record_compatibility(self, package_id: UUID, row: CompatibilityRow) -> None: ...


class PackageQueries(Protocol):
    """Read-only views behind GET /packages."""

    def page(
        self,
        *,
        cms: str | None = None,
        status: str | None = None,
        slug: str | None = None,
        created_by: str | None = None,
        before: tuple[datetime, UUID] | None = None,
        limit: int = 50,
    ) -> list[Package]: ...

    def contract_tests(self, package_id: UUID) -> list[StoredTestRow]: ...

    def compatibilities(self, package_id: UUID) -> list[StoredCompatibilityRow]: ...

    def approval_requests(self, package_id: UUID) -> list[ApprovalRequest]: ...

    def approval_queue(self, status: str, limit: int) -> list[ApprovalRequest]:
        """Approval requests in `status`: the oldest pending first (waiting longest), else the newest first."""
        ...

    def job_for(self, package_id: UUID) -> dict[str, Any] | None:
        """{id, requested_by} of the newest job that built the package."""
        ...


class Approvals(Protocol):
    def open_request(
        self, package_id: UUID, job_id: UUID, requested_by: str, required: int, task_token: str, timeout_s: int
    ) -> ApprovalRequest: ...

    def request_for_package(
        self, package_id: UUID, job_id: UUID | None, requested_by: str, required: int
    ) -> tuple[ApprovalRequest, bool]: ...

    def get_request(self, request_id: UUID) -> ApprovalRequest: ...

    def requests_for_job(self, job_id: UUID) -> list[ApprovalRequest]: ...

    def record(
        self,
        request: ApprovalRequest,
        approver_id: str,
        role: str,
        approved: bool,
        comment: str | None,
        mfa_verified: bool,
        signature: str,
        signing_key_id: str,
        signed_at: datetime,
    ) -> SignedApproval: ...

    def has_decided(self, package_id: UUID, approver_id: str) -> bool: ...

    def close(
        self, request_id: UUID, status: ApprovalStatus, package_status: PackageStatus, message: CallbackMessage
    ) -> tuple[bool, UUID | None]:
        """Close a pending request, set its package's status and queue the workflow callback, in one transaction:
        (True, the callback id or None without a task token) for the one caller that closed it."""
        ...

    def decided(self, package_id: UUID, status: ApprovalStatus) -> ApprovalRequest | None: ...

    def approvals_for_package(self, package_id: UUID) -> list[SignedApproval]: ...

    def cancel_pending_for_job(self, job_id: UUID, status: ApprovalStatus = ApprovalStatus.CANCELLED) -> int: ...


class Approvers(Protocol):
    def enroll(self, name: str, sealed_seed: bytes, enrolled_by: str, replace: bool) -> None: ...

    def get(self, name: str) -> EnrolledApprover | None: ...

    def charge_attempt(
        self, name: str, window: timedelta, max_failures: int, lock_reason: str, source_ip: str | None
    ) -> Attempt | None: ...

    def use_step(self, name: str, step: int) -> bool: ...

    def record_failure(
        self, name: str, reason: str, attempt: int, source_ip: str | None, lock_reason: str | None
    ) -> bool: ...

    def unlock(self, name: str, by: str, reason: str) -> ApproverStatus: ...

    def deactivate(self, name: str, by: str, reason: str) -> ApproverStatus: ...

    def is_active(self, name: str) -> bool: ...

    def status(self, name: str) -> ApproverStatus | None: ...

    def statuses(self) -> list[ApproverStatus]: ...

    def events(self, name: str, limit: int = 100) -> list[SecurityEvent]: ...

    def names(self) -> list[str]: ...


class Callbacks(Protocol):
    """The outbox of answers to waiting workflows."""

    def enqueue(self, request_id: UUID, job_id: UUID | None, token: str, message: CallbackMessage) -> UUID | None: ...

    def claim(self, callback_id: UUID) -> WorkflowCallback | None: ...

    def claim_due(self, limit: int) -> list[WorkflowCallback]: ...

    def delivered(self, callback_id: UUID) -> None: ...

    def retry_later(self, callback_id: UUID, error: str, delay_seconds: float) -> None: ...

    def abandon(self, callback_id: UUID, reason: str) -> None: ...

    def for_request(self, request_id: UUID) -> WorkflowCallback | None: ...

    def undelivered(self) -> int: ...


class Keys(Protocol):
    """The keyset merchants verify against."""

    def active(self) -> SigningKey | None: ...

    def add_active(self, key_id: str, public_pem: str, backend: str, backend_ref: str) -> SigningKey: ...

    def get(self, key_id: str) -> SigningKey: ...

    def all(self) -> list[SigningKey]: ...


class KeyCompromises(Protocol):
    def mark(self, key_id: str, reason: str) -> None: ...

    def reason(self, key_id: str) -> str | None: ...


class Publications(Protocol):
    def connector(self, connector_type: str) -> dict[str, Any]: ...

    def record(self, package_id: UUID, connector_id: UUID, external_id: str, url: str) -> Publication: ...

    def retract(self, package_id: UUID) -> int: ...

    def connector_types(self, package_id: UUID) -> dict[UUID, str]: ...

    def for_package(self, package_id: UUID) -> list[Publication]: ...


class GenerationAuditLog(Protocol):
    """sira_generation_audit: the hash chain of every generation prompt and response."""

    def append(
        self,
        job_id: UUID | None,
        provider: str,
        model_version: str,
        prompt: str,
        response: str,
        metadata: dict[str, Any],
    ) -> str:
        """Append one row chained to the previous one; its hash."""
        ...

    def for_job(self, job_id: UUID) -> Rows: ...

    def verify(self, expect_head: str | None = None) -> ChainReport: ...


class RevocationLists(Protocol):
    def latest(self) -> RevocationListRow | None: ...

    def revoked_packages(self) -> Rows: ...

    def revoked_zip(self, zip_sha256: str) -> dict[str, Any] | None: ...

    def next_version(self) -> int: ...

    def append(self, version: int, body: str, signature_b64: str, key_id: str, package_count: int) -> bool:
        """Store list `version`; False when another writer took that version first."""
        ...


class Gauges(Protocol):
    def read(self) -> GaugeReadings: ...


class Repositories(Protocol):
    @property
    def jobs(self) -> Jobs: ...
    @property
    def runs(self) -> Runs: ...
    @property
    def packages(self) -> Packages: ...
    @property
    def package_views(self) -> PackageQueries: ...
    @property
    def approvals(self) -> Approvals: ...
    @property
    def approvers(self) -> Approvers: ...
    @property
    def callbacks(self) -> Callbacks: ...
    @property
    def keys(self) -> Keys: ...
    @property
    def key_compromises(self) -> KeyCompromises: ...
    @property
    def publications(self) -> Publications: ...
    @property
    def audit(self) -> GenerationAuditLog: ...
    @property
    def revocations(self) -> RevocationLists: ...
    @property
    def gauges(self) -> Gauges: ...

    def ping(self) -> None:
        """Raise unless the database answers (GET /health)."""
        ...
