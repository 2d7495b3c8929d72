"""The names of a package's release files, apart from the code that builds them (and the SBOM library it loads),
for the code that only looks the files up: publishing, the review, `forge release download`."""

from __future__ import annotations


def zip_name(slug: str, version: str) -> str:
    return f"{slug}-{version}.zip"


def sbom_name(slug: str, version: str) -> str:
    return f"{slug}-{version}.cdx.json"
