"""Where each step puts its outputs in the artifact store: one place, so steps agree."""

from __future__ import annotations

from uuid import UUID


def source_zip(job_id: UUID) -> str:
    return f"jobs/{job_id}/generate/source.zip"


def test_report(job_id: UUID) -> str:
    return f"jobs/{job_id}/test/junit.xml"


def package_zip(job_id: UUID, slug: str, version: str) -> str:
    return f"jobs/{job_id}/package/{slug}-{version}.zip"


def bundle_file(job_id: UUID, name: str) -> str:
    """Beside the package zip, so one prefix holds everything the package step made (the SBOM, SHA256SUMS)."""
    return f"jobs/{job_id}/package/{name}"


def release_file(job_id: UUID, name: str) -> str:
    return f"jobs/{job_id}/sign/{name}"


RELEASE_FILES = ("manifest.json", "manifest.json.sig", "signing-key.pem")
