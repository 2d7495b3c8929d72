"""The evidence an approver weighs that no single row holds: the diff of the generated source against the
previous published version of the same slug, the SBOM's summary, the analyser's findings from the build log."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from uuid import UUID

from pydantic import BaseModel

from forge.errors import ForgeError, NotFound
from forge.models.package import Package, PackageStatus
from forge.packaging.archive import unzip_tree
from forge.pipeline import artifacts_layout
from forge.pipeline.deps import PipelineDeps

# A diff is read by a person: past these it is cut, and says so.
MAX_DIFF_LINES = 3000
MAX_DIFFED_FILE_BYTES = 512 * 1024
SCAN_MARKER = "$ forge scan plugin"


class FileDiff(BaseModel):
    path: str
    change: str  # added | removed | changed
    diff: str  # unified diff; empty for a binary or oversized file
    note: str | None = None


class SourceDiff(BaseModel):
    base_package_id: str | None
    base_version: str | None
    files: list[FileDiff]
    unchanged: int
    truncated: bool


class SbomSummary(BaseModel):
    spec_version: str | None
    files: int
    dependencies: list[str]


def previous_published(deps: PipelineDeps, package: Package) -> Package | None:
    """The newest published package of the same slug created before this one."""
    candidates = deps.repos.package_views.page(slug=package.slug, status=PackageStatus.PUBLISHED.value, limit=50)
    older = [p for p in candidates if p.id != package.id and p.created_at < package.created_at]
    return older[0] if older else None


def source_tree(deps: PipelineDeps, package: Package) -> dict[str, bytes] | None:
    """The generated source of the job that built the package, as the Generate step stored it."""
    job = deps.repos.package_views.job_for(package.id)
    if job is None:
        return None
    try:
        return unzip_tree(deps.artifacts.get(artifacts_layout.source_zip(job["id"])))
    except (NotFound, ForgeError):
        return None


def _text(data: bytes) -> list[str] | None:
    if len(data) > MAX_DIFFED_FILE_BYTES or b"\x00" in data:
        return None
    try:
        return data.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return None


def source_diff(base: Mapping[str, bytes] | None, new: Mapping[str, bytes], base_package: Package | None) -> SourceDiff:
    """Every file added, removed or changed since the base (everything is added when there is no base)."""
    old = dict(base or {})
    files: list[FileDiff] = []
    budget, truncated, unchanged = MAX_DIFF_LINES, False, 0
    for path in sorted(set(old) | set(new)):
        before, after = old.get(path), new.get(path)
        if before == after:
            unchanged += 1
            continue
        change = "added" if before is None else "removed" if after is None else "changed"
        a, b = _text(before or b""), _text(after or b"")
        if a is None or b is None:
            files.append(FileDiff(path=path, change=change, diff="", note="binary or larger than 512 KB"))
            continue
        lines = list(difflib.unified_diff(a, b, f"a/{path}", f"b/{path}"))
        if len(lines) > budget:
            lines, truncated = lines[:budget], True
        budget -= len(lines)
        files.append(FileDiff(path=path, change=change, diff="".join(lines), note="cut" if truncated else None))
    return SourceDiff(
        base_package_id=str(base_package.id) if base_package else None,
        base_version=base_package.version if base_package else None,
        files=files,
        unchanged=unchanged,
        truncated=truncated,
    )


def stored_sbom(deps: PipelineDeps, job_id: UUID, name: str) -> SbomSummary | None:
    try:
        return sbom_summary(deps.artifacts.get(artifacts_layout.bundle_file(job_id, name)))
    except NotFound:
        return None


def sbom_summary(data: bytes) -> SbomSummary | None:
    """How many files the CycloneDX SBOM lists and which third-party components (name@version) it names."""
    try:
        doc = json.loads(data)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    component = (doc.get("metadata") or {}).get("component") or {}
    files = [c for c in component.get("components") or [] if isinstance(c, dict)]
    deps = [c for c in doc.get("components") or [] if isinstance(c, dict)]
    return SbomSummary(
        spec_version=str(doc.get("specVersion")) if doc.get("specVersion") else None,
        files=len(files),
        dependencies=[f"{c.get('name')}@{c.get('version')}" for c in deps],
    )


def scan_findings(build_log: str) -> list[str]:
    """The analyser's lines from the Build step's log: each finding, then the summary line."""
    _, found, after = build_log.partition(SCAN_MARKER)
    if not found:
        return []
    lines = [line for line in after.splitlines() if line.strip()]
    # The report ends at its summary ("N error(s), M warning(s) in K file(s)"); the step's own summary follows.
    for index, line in enumerate(lines):
        if " error(s), " in line and " file(s)" in line:
            return lines[: index + 1]
    return lines
