"""`forge packages`: the packages the forge built, newest first (a client of the ops API)."""

from __future__ import annotations

from typing import Annotated

import typer

from forge.cli.client import ForgeClient
from forge.cli.listing import JsonFlag, new_table, print_json, print_table
from forge.cli.output import friendly, untrusted


def register(app: typer.Typer, db_app: typer.Typer) -> None:
    @app.command("packages")
    @friendly
    def list_packages(
        status: Annotated[str | None, typer.Option(help="Filter by status (published, revoked, ...)")] = None,
        cms: Annotated[str | None, typer.Option(help="Filter by platform")] = None,
        slug: Annotated[str | None, typer.Option(help="Filter by slug")] = None,
        limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
        as_json: Annotated[bool, JsonFlag] = False,
    ) -> None:
        """List packages, newest first, with their status and signing key."""
        page = ForgeClient().packages(status=status, cms=cms, slug=slug, limit=limit)
        if as_json:
            print_json(page)
            return
        table = new_table("package", "status", other=("plugin", "cms", "key", "zip sha256", "created"))
        for package in page["items"]:
            cells = (
                package["id"],
                package["status"],
                f"{package['slug']} {package['version']}",
                package["cms"],
                (package["signing_key_id"] or "")[:16],
                (package["zip_sha256"] or "")[:16],
                package["created_at"][:19],
            )
            table.add_row(*(untrusted(cell, multiline=True) for cell in cells))
        print_table(table)
