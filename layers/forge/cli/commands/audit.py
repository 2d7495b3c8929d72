"""`forge audit verify`: check the generation audit hash chain."""

from __future__ import annotations

import typer

from forge.cli.groups import command_group
from forge.cli.output import console, err, friendly
from forge.errors import ForgeError


def register(app: typer.Typer, db_app: typer.Typer) -> None:
    audit_app = command_group(app, "audit", "The generation audit (sira_generation_audit).")

    @audit_app.command("verify")
    @friendly
    def verify() -> None:
        """Check every row's link and hashes; name the first broken row. Exit 0 only when the chain holds."""
        import psycopg2.errors

        from forge.cli.database import command_dsn
        from forge.db.connection import Database
        from forge.db.repositories.audit import AuditRepository

        with command_dsn() as dsn:
            db = Database(dsn, max_connections=1)
            try:
                report = AuditRepository(db).verify()
            except psycopg2.errors.UndefinedTable:
                raise ForgeError("the database has no sira_generation_audit table; run `forge db migrate`") from None
            finally:
                db.close()
        if report.ok:
            console.print(f"audit chain intact: {report.rows} rows, head {report.last_hash}")
            return
        err.print(
            f"audit chain BROKEN at row id {report.broken_id} (audit_id {report.broken_audit_id}): {report.reason}; "
            f"{report.rows} rows before it verify",
            style="red",
            markup=False,
        )
        raise typer.Exit(1)
