"""Offline tools: generate a plugin's source, package a folder, verify a release."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from forge.cli.output import console, err, friendly, untrusted
from forge.config import ConfigError, Settings, get_settings
from forge.errors import ForgeError
from forge.models.package import APPROVAL_FLOOR


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """A path the user named that cannot be written (under a file, read-only) is theirs to fix: a message naming
    it, not an internal error."""
    try:
        yield
    except OSError as exc:
        raise ForgeError(f"cannot write {path}: {exc.strerror or exc}") from exc


def settings_or_exit() -> Settings:
    """Load the environment's settings first, so a bad variable is reported as such (exit 2, like bad input),
    not as a problem of whatever the command reads next."""
    try:
        return get_settings()
    except ConfigError as exc:
        err.print("error: invalid configuration (environment variables)", style="red", markup=False)
        for problem in exc.problems:
            err.print(f"  - {untrusted(problem)}")
        raise typer.Exit(2) from None


def register(app: typer.Typer, db_app: typer.Typer) -> None:  # noqa: C901 - the sum of its commands (each <= 6)
    @app.command()
    @friendly
    def generate(
        spec: Annotated[Path, typer.Argument(help="Plugin spec (YAML or JSON)")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the plugin into")],
        force: Annotated[bool, typer.Option(help="Write into a non-empty folder")] = False,
    ) -> None:
        """Generate a plugin's source from a spec (no build, no database)."""
        from forge.cms.spec_acceptance import accept_spec_file
        from forge.generation.template_provider import TemplateProvider
        from forge.packaging.archive import write_tree

        parsed = accept_spec_file(spec, settings_or_exit().allowed_hosts)
        if out.exists() and any(out.iterdir()) and not force:
            raise ForgeError(f"{out} is not empty; choose another folder or pass --force")
        result = TemplateProvider().generate(parsed)
        with _writing(out):
            write_tree(dict(result.tree), out)
        console.print(f"wrote {len(result.tree)} files to {untrusted(out)} ({untrusted(result.model_version)})")

    @app.command()
    @friendly
    def package(
        folder: Annotated[Path, typer.Argument(help="Plugin folder", exists=True, file_okay=False)],
        output: Annotated[Path, typer.Option("-o", "--output", help="Zip to write")],
        slug: Annotated[
            str | None,
            typer.Option(help="Top folder inside the zip (default: the main plugin file's name, as the pipeline)"),
        ] = None,
        version: Annotated[
            str | None, typer.Option("--version", help="Version for the SBOM (default: the plugin header's)")
        ] = None,
        platform: Annotated[
            str, typer.Option("--platform", help="Platform whose development files stay out of the zip")
        ] = "woocommerce",
    ) -> None:
        """Write the zip the pipeline would ship for a plugin folder (dev files such as tests/, composer.json and
        phpunit.xml.dist left out, everything under <slug>/), its CycloneDX SBOM (<zip stem>.cdx.json) and checksums
        (<zip stem>.SHA256SUMS, `sha256sum -c` format) beside it; print the zip's sha256."""
        from forge.cms import get_platform
        from forge.packaging.archive import tree_from_dir
        from forge.packaging.checksums import sha256sums
        from forge.packaging.distribution import package_plugin
        from forge.packaging.plugin_header import IDENTITY_READERS

        tree = tree_from_dir(folder)
        if not tree:
            raise ForgeError(f"{folder} holds no files")
        target = get_platform(platform)
        found_slug, found_version, found_name = IDENTITY_READERS[target.identity](tree)
        top = slug or found_slug
        if not top:
            raise ForgeError(f"{folder} names no plugin in its {target.identity} ({platform}'s manifest); pass --slug")
        ver = version or found_version or "0.0.0"
        bundle, shipped = package_plugin(
            tree,
            exclude=target.dist_exclude,
            slug=top,
            version=ver,
            name=found_name or top,
            lockfile=target.lockfile,
        )
        if not shipped:
            raise ForgeError(f"{folder} holds only development files; nothing would ship")
        sbom_path = output.with_name(output.stem + ".cdx.json")
        sums_path = output.with_name(output.stem + ".SHA256SUMS")
        with _writing(output):
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_bytes(bundle.zip_data)
            sbom_path.write_bytes(bundle.sbom)
            sums_path.write_bytes(sha256sums({output.name: bundle.zip_data, sbom_path.name: bundle.sbom}))
        console.print(f"{bundle.zip_sha256}  {untrusted(output)}")
        console.print(
            f"SBOM {untrusted(sbom_path)}, checksums {untrusted(sums_path)} "
            f"(check: sha256sum -c {untrusted(sums_path.name)})"
        )

    @app.command()
    @friendly
    def verify(
        target: Annotated[
            str,
            typer.Argument(help="Release folder, or the zip inside it, or its https:// URL (…/<slug>/<version>/)"),
        ],
        keys: Annotated[
            Path | None, typer.Option("--keys", help="keys.json (default: found beside the release or above it)")
        ] = None,
        revocations: Annotated[
            Path | None, typer.Option("--revocations", help="revocations.json (default: found like keys.json)")
        ] = None,
        state: Annotated[
            Path | None,
            typer.Option(
                "--state",
                help="Where the highest revocation list version seen is remembered "
                "(default: FORGE_HOME/verify/revocations-seen.json)",
            ),
        ] = None,
        min_approvals: Annotated[
            int,
            typer.Option(
                "--min-approvals",
                min=APPROVAL_FLOOR,
                max=10,
                help="Distinct approvers the release statement must name, if more than it requires itself",
            ),
        ] = APPROVAL_FLOOR,
    ) -> None:
        """Check a release: signature, key in the keyset, zip and SBOM digests, provenance, approvals statement,
        revocation. Exit 0 only when everything verifies; a revoked package exits 3. A revocation list older
        than one already accepted (a rollback) fails the check."""
        from forge.cli.release_download import DownloadError, download_release, is_url
        from forge.local.home import forge_home
        from forge.signing.release_check import check_release
        from forge.signing.revocation_floor import STATE_FILE

        for given in (keys, revocations):
            if given is not None and not given.is_file():
                raise ForgeError(f"{given} does not exist")
        with tempfile.TemporaryDirectory(prefix="forge-verify-") as downloaded:
            if is_url(target):
                # Fetched as published (the marketplace's CloudFront URL), then checked like a saved folder.
                try:
                    folder = download_release(target, Path(downloaded))
                except DownloadError as exc:
                    err.print(f"error: {untrusted(exc, multiline=True)}", style="red")
                    raise typer.Exit(2) from None
            else:
                folder = Path(target)
                if not folder.exists():
                    raise ForgeError(f"{target} does not exist")
            report = check_release(folder, keys, revocations, state or forge_home() / STATE_FILE, min_approvals)
        # A release folder is whatever was downloaded: every name, detail and reason in it is untrusted.
        for check in report.checks:
            mark = "[green]✓[/]" if check.ok else "[red]✗[/]"
            console.print(f"{mark} {untrusted(check.name)}: {untrusted(check.detail)}")
        if report.revoked is not None:
            console.print(f"[red]REVOKED[/]: {untrusted(report.folder)} ({untrusted(report.revoked.reason)})")
            raise typer.Exit(3)
        if not report.ok:
            console.print(f"[red]NOT VERIFIED[/]: {untrusted(report.folder)}")
            raise typer.Exit(1)
        manifest = report.manifest
        console.print(f"[green]VERIFIED[/]: {untrusted(manifest.get('slug'))} {untrusted(manifest.get('version'))}")
