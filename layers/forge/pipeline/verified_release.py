"""The gate in front of every marketplace: a release is checked as a merchant would check it, with the same
implementation `forge verify` runs (forge.signing.release_check), before any connector is handed it.

The files come from the artifact store, the keyset and the signed revocation list from the database, laid out as
the Molam marketplace offers them (<root>/<slug>/<version>/ and the trust files at the root). A release that is not
approved (no signed statement naming enough distinct approvers), revoked, or altered since it was signed is refused,
and no connector sends anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from uuid import UUID

from forge.errors import ForgeError, NotFound, StepFailed
from forge.models.package import APPROVAL_FLOOR, Package, PackageStatus
from forge.models.publication import MarketplaceConnector
from forge.models.spec import parse_spec
from forge.packaging.archive import safe_relative_path
from forge.pipeline import artifacts_layout
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.revoked_zip import refuse_revoked_zip
from forge.pipeline.trust_files import trust_files
from forge.ports.connectors import Connector, VerifiedRelease
from forge.publishing import release
from forge.signing.release_check import check_release

# The statement and its signature are kept with the job's other release files, so a retry days later sends exactly
# what Publish signed.
STATEMENT_FILES = (release.STATEMENT, release.STATEMENT_SIG)


class ReleaseRefused(StepFailed):
    """The release does not verify as a merchant would check it: no connector may send it."""


def connector_for(deps: PipelineDeps, row: MarketplaceConnector) -> Connector:
    if deps.connector is None:
        raise ForgeError("these deps have no marketplace connectors")
    return deps.connector(row)


def release_files(deps: PipelineDeps, job_id: UUID, slug: str, version: str) -> dict[str, bytes]:
    """What merchants download for slug@version, from the artifact store (a missing statement stays missing: the
    check then refuses the release as never approved)."""
    store = deps.artifacts
    files = {release.zip_name(slug, version): store.get(artifacts_layout.package_zip(job_id, slug, version))}
    for extra in (release.sbom_name(slug, version), "SHA256SUMS"):
        files[extra] = store.get(artifacts_layout.bundle_file(job_id, extra))
    for name in (*release.SIGNED_FILES, *STATEMENT_FILES):
        try:
            files[name] = store.get(artifacts_layout.release_file(job_id, name))
        except NotFound:
            continue
    return files


def _lay_out(root: Path, slug: str, version: str, files: Mapping[str, bytes], trust: Mapping[str, bytes]) -> Path:
    folder = root / safe_relative_path(slug) / safe_relative_path(version)
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / safe_relative_path(name)).write_bytes(data)
    for name, data in trust.items():
        path = root / safe_relative_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def verified_release(deps: PipelineDeps, package: Package, workdir: Path) -> VerifiedRelease:
    """The package's release, checked as a merchant would, or ReleaseRefused saying which check failed."""
    if package.status is PackageStatus.REVOKED:
        raise ReleaseRefused(f"package {package.id} is revoked: {package.revocation_reason}")
    if not package.zip_sha256 or not package.signature:
        raise ReleaseRefused(f"package {package.id} is {package.status.value}, not a signed release")
    refuse_revoked_zip(deps.repos.revocations, package.zip_sha256)
    job = deps.repos.jobs.get(deps.repos.publications.job_of(package.id))
    spec = parse_spec(job.params, f"job {job.id}")
    try:
        files = release_files(deps, job.id, package.slug, package.version)
    except NotFound as exc:
        raise ReleaseRefused(f"release files missing: {exc}") from None
    _version, trust = trust_files(deps)
    folder = _lay_out(workdir, package.slug, package.version, files, trust)
    report = check_release(folder, min_approvals=max(deps.settings.min_approvals, APPROVAL_FLOOR))
    if not report.ok:
        failed = "; ".join(f"{c.name}: {c.detail}" for c in report.checks if not c.ok)
        raise ReleaseRefused(f"{package.slug} {package.version} does not verify as a merchant checks it: {failed}")
    if report.manifest.get("zip_sha256") != package.zip_sha256:
        raise ReleaseRefused(f"the release's manifest names another zip than package {package.id}")
    return VerifiedRelease(
        package_id=package.id,
        job_id=job.id,
        slug=package.slug,
        version=package.version,
        platform=package.cms,
        name=spec.name,
        description=spec.description,
        zip_name=release.zip_name(package.slug, package.version),
        files=files,
        trust_files=trust,
        folder=folder,
        changelog=f"{spec.name} {spec.version}: released by Plugin Forge job {job.id}",
        compatibility={
            f"{part}_{bound}": str(value)
            for part, rng in spec.compatibility.model_dump().items()
            if rng is not None  # a range the spec's platform does not have (a PrestaShop spec has no WordPress)
            for bound, value in rng.items()
        },
    )
