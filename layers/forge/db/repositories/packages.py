"""plugin_packages and the test results recorded against them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg2.errors
from psycopg2.extras import Json

from forge.db.connection import Database
from forge.db.errors import translates_driver_errors
from forge.errors import ForgeError, NotFound
from forge.models.package import Package, PackageStatus
from forge.models.results import CompatibilityRow, TestRow


@translates_driver_errors
class PackageRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, package_id: UUID) -> Package:
        row = self.db.fetchone("SELECT * FROM plugin_packages WHERE id = %s", (package_id,))
        if row is None:
            raise NotFound(f"package {package_id} not found")
        return Package.model_validate(row)

    def set_status(self, package_id: UUID, status: PackageStatus) -> None:
        self.db.execute(
            "UPDATE plugin_packages SET status = %s WHERE id = %s AND status <> 'revoked'",
            (PackageStatus(status).value, package_id),
        )

    def mark_failed(self, package_id: UUID) -> None:
        """A failed job's package, unless a decision already describes it better (rejected, revoked)."""
        self.db.execute(
            """UPDATE plugin_packages SET status = 'failed'
               WHERE id = %s AND status NOT IN ('rejected', 'revoked', 'published')""",
            (package_id,),
        )

    def set_built(self, package_id: UUID, zip_sha256: str, artifact_uri: str) -> None:
        self.db.execute(
            """UPDATE plugin_packages SET zip_sha256 = %s, artifact_uri = %s, status = 'built'
               WHERE id = %s AND status <> 'revoked'""",
            (zip_sha256, artifact_uri, package_id),
        )

    def set_signed(self, package_id: UUID, manifest: dict[str, Any], signature_b64: str, key_id: str) -> None:
        self.db.execute(
            """UPDATE plugin_packages SET manifest = %s, signature = %s, signing_key_id = %s, status = 'signed'
               WHERE id = %s AND status <> 'revoked'""",
            (Json(manifest), signature_b64, key_id, package_id),
        )

    def revoke(self, package_id: UUID, reason: str) -> Package:
        """revoke_package() in SQL: the package, its publications (retracted) and pending approval requests
        change in one statement. A second revocation keeps the first reason and time."""
        with self.db.transaction() as cur:
            try:
                cur.execute("SELECT * FROM revoke_package(%s, %s)", (package_id, reason))
            except psycopg2.errors.NoDataFound:
                raise NotFound(f"package {package_id} not found") from None
            except psycopg2.errors.CheckViolation:
                raise ForgeError("a revocation needs a reason") from None
            return Package.model_validate(cur.fetchone())

    def pending_approval_requests(self, package_id: UUID) -> list[dict[str, Any]]:
        """{id, job_id, task_token} of the requests whose workflows wait on this package's approval."""
        return self.db.fetchall(
            """SELECT id, job_id, task_token FROM approval_requests
               WHERE plugin_package_id = %s AND status = 'pending' AND task_token IS NOT NULL""",
            (package_id,),
        )

    def record_test_results(self, package_id: UUID, job_id: UUID, results: list[TestRow]) -> None:
        """Upsert one plugin_contract_tests row per (suite, test): a re-run replaces the earlier result."""
        with self.db.transaction() as cur:
            for r in results:
                cur.execute(
                    """INSERT INTO plugin_contract_tests
                         (plugin_package_id, job_id, test_suite, test_name, result, details)
                       VALUES (%s, %s, %s, %s, %s, %s)
                       ON CONFLICT (plugin_package_id, test_suite, test_name)
                       DO UPDATE SET result = EXCLUDED.result, details = EXCLUDED.details, job_id = EXCLUDED.job_id,
                                     created_at = now()""",
                    (package_id, job_id, r.suite, r.name, r.result, Json(r.details)),
                )

    def record_compatibility(self, package_id: UUID, row: CompatibilityRow) -> None:
        self.db.execute(
            """INSERT INTO plugin_compatibilities (plugin_package_id, cms, cms_version, php_version, tested,
                                                   test_result, details)
               VALUES (%s, %s, %s, %s, true, %s, %s)
               ON CONFLICT (plugin_package_id, cms, cms_version, php_version)
               DO UPDATE SET tested = true, test_result = EXCLUDED.test_result, details = EXCLUDED.details""",
            (
                package_id,
                row.cms,
                row.cms_version,
                row.php_version,
                "pass" if row.passed else "fail",
                Json(row.details),
            ),
        )
