"""`forge scan DIR`: the static analyser the Build step runs, on any plugin folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from forge.cli.output import console, friendly


def register(app: typer.Typer, db_app: typer.Typer) -> None:
    @app.command()
    @friendly
    def scan(
        folder: Annotated[Path, typer.Argument(help="Plugin folder")],
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
        platform: Annotated[str, typer.Option(help="Platform whose dev-only files (tests, composer) are skipped")] = (
            "woocommerce"
        ),
        all_files: Annotated[bool, typer.Option("--all-files", help="Also scan files that never ship")] = False,
        slug: Annotated[str | None, typer.Option(help="Plugin slug (default: the main file's name)")] = None,
        rule: Annotated[list[str] | None, typer.Option(help="Run only these rule ids or prefixes")] = None,
    ) -> None:
        """Static analysis for malicious or non-compliant code. Exit 1 if any error-level finding exists."""
        from forge.cms import get_platform
        from forge.config import get_settings
        from forge.errors import ForgeError
        from forge.gates import scan as run_scan

        if not folder.is_dir():
            raise ForgeError(f"{folder} is not a folder")
        exclude = () if all_files else get_platform(platform).dist_exclude
        report = run_scan(folder, get_settings().allowed_hosts, slug=slug, only=rule, exclude=exclude)
        if as_json:
            payload = {**report.model_dump(mode="json"), "ok": report.ok, "errors": len(report.errors)}
            console.print_json(json.dumps(payload))
        else:
            for finding in report.findings:
                style = "red" if finding.severity == "error" else "yellow"
                console.print(finding.describe(), style=style, markup=False)
            console.print(report.summary(), style="green" if report.ok else "red", markup=False)
        if not report.ok:
            raise typer.Exit(1)
