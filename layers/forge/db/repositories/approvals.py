"""approval_requests (holding the task token) and forge_approvals (each approver's decision)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from forge.db.connection import Database
from forge.db.errors import translates_driver_errors
from forge.db.repositories.callbacks import enqueue
from forge.errors import Conflict, NotFound
from forge.models.callback import CallbackMessage
from forge.models.package import ApprovalRequest, ApprovalStatus, PackageStatus, SignedApproval


@translates_driver_errors
class ApprovalRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def open_request(
        self,
        package_id: UUID,
        job_id: UUID,
        requested_by: str,
        required: int,
        task_token: str,
        timeout_s: int,
    ) -> ApprovalRequest:
        """The pending request for this package, holding the newest task token (a re-delivered wait
        task or a restarted runtime hands a new token; approvals already given still count)."""
        row = self.db.fetchone(
            """INSERT INTO approval_requests (plugin_package_id, job_id, requested_by, required_approvals,
                                              task_token, expires_at)
               VALUES (%s, %s, %s, %s, %s, now() + make_interval(secs => %s))
               ON CONFLICT (plugin_package_id) WHERE status = 'pending'
               DO UPDATE SET task_token = EXCLUDED.task_token, expires_at = EXCLUDED.expires_at,
                             required_approvals = EXCLUDED.required_approvals
               RETURNING *""",
            (package_id, job_id, requested_by, required, task_token, timeout_s),
        )
        return ApprovalRequest.model_validate(row)

    def request_for_package(
        self, package_id: UUID, job_id: UUID | None, requested_by: str, required: int
    ) -> tuple[ApprovalRequest, bool]:
        """The pending request for a package, opened now without a task token when there is none:
        (request, True) when this call opened it. A wait task reaching the package later adds its token."""
        row = self.db.fetchone(
            """INSERT INTO approval_requests (plugin_package_id, job_id, requested_by, required_approvals)
               VALUES (%s, %s, %s, %s)
               ON CONFLICT (plugin_package_id) WHERE status = 'pending' DO NOTHING
               RETURNING *""",
            (package_id, job_id, requested_by, required),
        )
        if row is not None:
            return ApprovalRequest.model_validate(row), True
        row = self.db.fetchone(
            "SELECT * FROM approval_requests WHERE plugin_package_id = %s AND status = 'pending'", (package_id,)
        )
        if row is None:  # decided between the two statements
            raise Conflict(f"the approval request of package {package_id} was decided meanwhile; try again")
        return ApprovalRequest.model_validate(row), False

    def get_request(self, request_id: UUID) -> ApprovalRequest:
        row = self.db.fetchone("SELECT * FROM approval_requests WHERE id = %s", (request_id,))
        if row is None:
            raise NotFound(f"approval request {request_id} not found")
        return ApprovalRequest.model_validate(row)

    def requests_for_job(self, job_id: UUID) -> list[ApprovalRequest]:
        rows = self.db.fetchall("SELECT * FROM approval_requests WHERE job_id = %s ORDER BY created_at", (job_id,))
        return [ApprovalRequest.model_validate(r) for r in rows]

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
    ) -> SignedApproval:
        row = self.db.fetchone(
            """INSERT INTO forge_approvals (plugin_package_id, approval_request_id, approver_id, approver_role,
                                            approved, comment, mfa_verified, signature, signing_key_id, created_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (plugin_package_id, approver_id) DO NOTHING
               RETURNING *""",
            (
                request.plugin_package_id,
                request.id,
                approver_id,
                role,
                approved,
                comment,
                mfa_verified,
                signature,
                signing_key_id,
                signed_at,
            ),
        )
        if row is None:
            raise Conflict(f"{approver_id} has already decided on this package")
        return SignedApproval.model_validate(row)

    def has_decided(self, package_id: UUID, approver_id: str) -> bool:
        return (
            self.db.fetchone(
                "SELECT 1 FROM forge_approvals WHERE plugin_package_id = %s AND approver_id = %s",
                (package_id, approver_id),
            )
            is not None
        )

    def close(
        self, request_id: UUID, status: ApprovalStatus, package_status: PackageStatus, message: CallbackMessage
    ) -> tuple[bool, UUID | None]:
        """Close a pending request, set its package's status and queue the callback that tells the waiting workflow,
        all in one transaction: (True, the callback id) for the one caller whose UPDATE closed it, so two approvals
        landing together release the workflow once; (False, None) for everyone else. The callback id is None for a
        request opened through the API before any workflow waited on the package (no task token)."""
        with self.db.transaction() as cur:
            cur.execute(
                """UPDATE approval_requests SET status = %s, decided_at = now()
                   WHERE id = %s AND status = 'pending' RETURNING job_id, plugin_package_id, task_token""",
                (ApprovalStatus(status).value, request_id),
            )
            row = cur.fetchone()
            if row is None:
                return False, None
            cur.execute(
                "UPDATE plugin_packages SET status = %s WHERE id = %s AND status <> 'revoked'",
                (PackageStatus(package_status).value, row["plugin_package_id"]),
            )
            if not row["task_token"]:
                return True, None
            return True, enqueue(cur, request_id, row["job_id"], row["task_token"], message)

    def decided(self, package_id: UUID, status: ApprovalStatus) -> ApprovalRequest | None:
        """The newest request of this package closed with `status` (approved, rejected), if any."""
        row = self.db.fetchone(
            """SELECT * FROM approval_requests WHERE plugin_package_id = %s AND status = %s
               ORDER BY decided_at DESC LIMIT 1""",
            (package_id, ApprovalStatus(status).value),
        )
        return ApprovalRequest.model_validate(row) if row else None

    def approvals_for_package(self, package_id: UUID) -> list[SignedApproval]:
        rows = self.db.fetchall(
            "SELECT * FROM forge_approvals WHERE plugin_package_id = %s ORDER BY created_at", (package_id,)
        )
        return [SignedApproval.model_validate(r) for r in rows]

    def cancel_pending_for_job(self, job_id: UUID, status: ApprovalStatus = ApprovalStatus.CANCELLED) -> int:
        return self.db.execute(
            "UPDATE approval_requests SET status = %s, decided_at = now() WHERE job_id = %s AND status = 'pending'",
            (ApprovalStatus(status).value, job_id),
        )
