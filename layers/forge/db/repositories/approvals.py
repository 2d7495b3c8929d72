"""approval_requests (holding the task token) and forge_approvals (each approver's decision)."""

from __future__ import annotations

from uuid import UUID

from forge.db.connection import Database
from forge.errors import Conflict, NotFound
from forge.models.package import Approval, ApprovalRequest


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
    ) -> Approval:
        with self.db.transaction() as cur:
            cur.execute(
                """INSERT INTO forge_approvals (plugin_package_id, approval_request_id, approver_id, approver_role,
                                                approved, comment, mfa_verified, signature)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
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
                ),
            )
            row = cur.fetchone()
        if row is None:
            raise Conflict(f"{approver_id} has already decided on this package")
        return Approval.model_validate(row)

    def has_minimum(self, package_id: UUID, required: int) -> bool:
        return self.db.fetchone("SELECT has_minimum_approvals(%s, %s) AS ok", (package_id, required))["ok"]

    def decide(self, request_id: UUID, status: str) -> str | None:
        """Close a pending request and return its task token. Exactly one caller wins: the UPDATE is the
        lock, so two approvals landing together release the workflow once."""
        row = self.db.fetchone(
            """UPDATE approval_requests SET status = %s, decided_at = now()
               WHERE id = %s AND status = 'pending' RETURNING task_token""",
            (status, request_id),
        )
        return row["task_token"] if row else None

    def approvals_for_package(self, package_id: UUID) -> list[Approval]:
        rows = self.db.fetchall(
            "SELECT * FROM forge_approvals WHERE plugin_package_id = %s ORDER BY created_at", (package_id,)
        )
        return [Approval.model_validate(r) for r in rows]

    def cancel_pending_for_job(self, job_id: UUID, status: str = "cancelled") -> int:
        return self.db.execute(
            "UPDATE approval_requests SET status = %s, decided_at = now() WHERE job_id = %s AND status = 'pending'",
            (status, job_id),
        )
