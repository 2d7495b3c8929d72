"""`forge audit verify`: check the generation audit hash chain."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from forge.cli.groups import command_group
from forge.cli.output import console, err, friendly


def register(app: typer.Typer, db_app: typer.Typer) -> None:
    audit_app = command_group(app, "audit", "The generation audit (sira_generation_audit).")

    @audit_app.command("verify")
    @friendly
    def verify(
        expect_head: Annotated[
            str | None,
            typer.Option(
                "--expect-head",
                metavar="HASH",
                help="A head printed by an earlier run: fail unless the chain still reaches it (removed newest rows "
                "leave a valid but shorter chain; rows appended since are fine)",
            ),
        ] = None,
    ) -> None:
        """Check every row's link and hashes; name the first broken row. Print the chain head (last row hash and
        row count): keep it, and pass it back with --expect-head. Exit 0 only when the chain holds."""
        if expect_head is not None and not re.fullmatch(r"[0-9a-f]{64}", expect_head.strip().lower()):
            raise typer.BadParameter("must be a 64-character hex sha256 row hash", param_hint="--expect-head")
        expected = expect_head.strip().lower() if expect_head is not None else None
        from forge.cli.database import command_dsn
        from forge.db.connection import Database
        from forge.db.repositories.audit import AuditRepository

        with command_dsn() as dsn:
            db = Database(dsn, max_connections=1)
            try:
                # An unmigrated database is a ForgeError naming the missing table (forge.db.errors).
                report = AuditRepository(db).verify(expected)
            finally:
                db.close()
        if report.ok and expected is not None and report.expected_head_at is None:
            err.print(
                f"audit chain TRUNCATED: its {report.rows} rows verify but never reach the expected head {expected} "
                f"(the chain now ends at {report.last_hash}); rows were removed",
                style="red",
                markup=False,
            )
            raise typer.Exit(1)
        if report.ok:
            console.print(f"audit chain intact: {report.rows} rows, head {report.last_hash}")
            if expected is not None and report.expected_head_at is not None:
                console.print(
                    f"expected head found at row {report.expected_head_at}; "
                    f"{report.rows - report.expected_head_at} rows appended since"
                )
            return
        err.print(
            f"audit chain BROKEN at row id {report.broken_id} (audit_id {report.broken_audit_id}): {report.reason}; "
            f"{report.rows} rows before it verify",
            style="red",
            markup=False,
        )
        raise typer.Exit(1)
