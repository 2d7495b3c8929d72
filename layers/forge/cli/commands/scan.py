"""`forge scan DIR`: the static analyser the Build step runs, on any plugin folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from forge.cli.output import console, err, friendly, untrusted


def register(app: typer.Typer, db_app: typer.Typer) -> None:
    @app.command()
    @friendly
    def scan(
        folder: Annotated[Path, typer.Argument(help="Plugin folder")],
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
        platform: Annotated[
            str,
            typer.Option(
                help="Platform whose marketplace rules run and whose dev-only files (tests, composer) are skipped"
            ),
        ] = "woocommerce",
        all_files: Annotated[bool, typer.Option("--all-files", help="Also scan files that never ship")] = False,
        slug: Annotated[str | None, typer.Option(help="Plugin slug (default: the main file's name)")] = None,
        rule: Annotated[list[str] | None, typer.Option(help="Run only these rule ids or prefixes")] = None,
    ) -> None:
        """Static analysis for malicious or non-compliant code. Exit 1 if any error-level finding exists, 2 on a
        usage error (no such folder, unknown --platform or --rule)."""
        from forge.cms import get_platform
        from forge.config import get_settings
        from forge.errors import ForgeError
        from forge.gates import scan as run_scan
        from forge.gates.registry import rule_ids, unknown_selections

        # Usage errors exit 2 (click's convention), so that 1 always means "error findings".
        if not folder.is_dir():
            _usage_error(f"{folder} is not a folder")
        try:
            target = get_platform(platform)
        except ForgeError as exc:
            _usage_error(str(exc))
        if unknown := unknown_selections(rule or (), target.analyser_rules):
            known = ", ".join(rule_ids(target.analyser_rules))
            _usage_error(f"unknown rule id or prefix: {', '.join(unknown)} (known: {known})")
        exclude = () if all_files else target.dist_exclude
        report = run_scan(
            folder,
            get_settings().allowed_hosts,
            slug=slug,
            only=rule,
            exclude=exclude,
            platform_rules=target.analyser_rules,
        )
        if as_json:
            payload = {**report.model_dump(mode="json"), "ok": report.ok, "errors": len(report.errors)}
            console.print_json(json.dumps(payload))
        else:
            for finding in report.findings:
                style = "red" if finding.severity == "error" else "yellow"
                # Findings quote the plugin's own file names and code: untrusted.
                console.print(untrusted(finding.describe()), style=style)
            console.print(report.summary(), style="green" if report.ok else "red", markup=False)
        if not report.ok:
            raise typer.Exit(1)


def _usage_error(message: str) -> NoReturn:
    err.print(f"error: {untrusted(message)}", style="red")
    raise typer.Exit(2)
