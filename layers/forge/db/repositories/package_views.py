"""Read-only queries behind GET /packages: filtered lists and the results recorded against a package."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from forge.db.connection import Database
from forge.db.errors import translates_driver_errors
from forge.db.repositories.keyset_page import newest_first
from forge.models.package import ApprovalRequest, Package
from forge.models.results import StoredCompatibilityRow, StoredTestRow


@translates_driver_errors
class PackageViews:
    def __init__(self, db: Database) -> None:
        self.db = db

    def page(
        self,
        *,
        cms: str | None = None,
        status: str | None = None,
        slug: str | None = None,
        created_by: str | None = None,
        before: tuple[datetime, UUID] | None = None,
        limit: int = 50,
    ) -> list[Package]:
        """Newest first; `before` is the (created_at, id) of the last row of the previous page."""
        filters = {"cms": cms, "status": status, "slug": slug, "created_by": created_by}
        rows = newest_first(self.db, "plugin_packages", filters, before, limit)
        return [Package.model_validate(r) for r in rows]

    def contract_tests(self, package_id: UUID) -> list[StoredTestRow]:
        rows = self.db.fetchall(
            """SELECT test_suite, test_name, result, details, job_id, created_at FROM plugin_contract_tests
               WHERE plugin_package_id = %s ORDER BY test_suite, test_name""",
            (package_id,),
        )
        return [StoredTestRow.model_validate(r) for r in rows]

    def compatibilities(self, package_id: UUID) -> list[StoredCompatibilityRow]:
        rows = self.db.fetchall(
            """SELECT cms, cms_version, php_version, tested, test_result, details, updated_at
               FROM plugin_compatibilities WHERE plugin_package_id = %s ORDER BY cms, cms_version, php_version""",
            (package_id,),
        )
        return [StoredCompatibilityRow.model_validate(r) for r in rows]

    def approval_requests(self, package_id: UUID) -> list[ApprovalRequest]:
        rows = self.db.fetchall(
            """SELECT id, plugin_package_id, job_id, requested_by, required_approvals, status, decided_at,
                      expires_at, created_at
               FROM approval_requests WHERE plugin_package_id = %s ORDER BY created_at""",
            (package_id,),
        )
        return [ApprovalRequest.model_validate(r) for r in rows]

    def approval_queue(self, status: str, limit: int) -> list[ApprovalRequest]:
        """Approval requests in `status`, the oldest pending first (waiting longest), else newest first; never the
        task token."""
        order = "created_at ASC" if status == "pending" else "created_at DESC"
        rows = self.db.fetchall(
            f"""SELECT id, plugin_package_id, job_id, requested_by, required_approvals, status, decided_at,
                      expires_at, created_at
               FROM approval_requests WHERE status = %s
               ORDER BY {order}, id LIMIT %s""",  # noqa: S608 - `order` is one of two literals above
            (status, limit),
        )
        return [ApprovalRequest.model_validate(r) for r in rows]

    def job_for(self, package_id: UUID) -> dict[str, Any] | None:
        return self.db.fetchone(
            "SELECT id, requested_by FROM forge_jobs WHERE plugin_package_id = %s ORDER BY created_at DESC LIMIT 1",
            (package_id,),
        )
