"""Offline tools: generate a plugin's source, package a folder, verify a release."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forge.cli.output import console, friendly
from forge.errors import ForgeError


def register(app: typer.Typer, db_app: typer.Typer) -> None:
    @app.command()
    @friendly
    def generate(
        spec: Annotated[Path, typer.Argument(help="Plugin spec (YAML or JSON)")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the plugin into")],
        force: Annotated[bool, typer.Option(help="Write into a non-empty folder")] = False,
    ) -> None:
        """Generate a plugin's source from a spec (no build, no database)."""
        from forge.generation.template_provider import TemplateProvider
        from forge.models.spec import load_spec
        from forge.packaging.archive import write_tree

        parsed = load_spec(spec)
        if out.exists() and any(out.iterdir()) and not force:
            raise ForgeError(f"{out} is not empty; choose another folder or pass --force")
        result = TemplateProvider().generate(parsed)
        write_tree(dict(result.tree), out)
        console.print(f"wrote {len(result.tree)} files to {out} ({result.model_version})")

    @app.command()
    @friendly
    def package(
        folder: Annotated[Path, typer.Argument(help="Plugin folder", exists=True, file_okay=False)],
        output: Annotated[Path, typer.Option("-o", "--output", help="Zip to write")],
        slug: Annotated[str | None, typer.Option(help="Top folder inside the zip (default: folder name)")] = None,
    ) -> None:
        """Write a byte-reproducible zip of a folder and print its sha256."""
        from forge.packaging.archive import tree_from_dir, zip_tree
        from forge.signing.verify import sha256_hex

        tree = tree_from_dir(folder)
        if not tree:
            raise ForgeError(f"{folder} holds no files")
        data = zip_tree(tree, prefix=slug or folder.resolve().name)
        output.write_bytes(data)
        console.print(f"{sha256_hex(data)}  {output}")

    @app.command()
    @friendly
    def verify(
        target: Annotated[Path, typer.Argument(help="Release folder, or the zip inside it")],
    ) -> None:
        """Check a release: signature, key id, zip sha256. Exit 0 only when everything verifies."""
        from forge.signing.release_check import check_release

        if not target.exists():
            raise ForgeError(f"{target} does not exist")
        report = check_release(target)
        for check in report.checks:
            console.print(f"{'[green]✓[/]' if check.ok else '[red]✗[/]'} {check.name}: {check.detail}")
        if not report.ok:
            console.print(f"[red]NOT VERIFIED[/]: {report.folder}")
            raise typer.Exit(1)
        console.print(f"[green]VERIFIED[/]: {report.manifest.get('slug')} {report.manifest.get('version')}")
