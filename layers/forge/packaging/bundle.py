"""A package bundle: the zip and the files that travel beside it (SBOM, SHA256SUMS), built in one place so
`forge package` and the pipeline's package step produce the very same bytes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from forge.packaging.archive import FIXED_DATE_TIME, zip_tree
from forge.packaging.checksums import sha256sums
from forge.packaging.file_names import sbom_name, zip_name
from forge.packaging.sbom import build_sbom
from forge.signing.verify import sha256_hex

FIXED_TIMESTAMP = datetime(*FIXED_DATE_TIME, tzinfo=UTC)


@dataclass(frozen=True)
class Bundle:
    zip_name: str
    zip_data: bytes
    zip_sha256: str
    sbom_name: str
    sbom: bytes
    checksums: bytes

    def files(self) -> dict[str, bytes]:
        return {self.zip_name: self.zip_data, self.sbom_name: self.sbom, "SHA256SUMS": self.checksums}


def build_bundle(
    *,
    name: str,
    slug: str,
    version: str,
    shipped: Mapping[str, bytes],
    source: Mapping[str, bytes],
    lockfile: str = "composer",
) -> Bundle:
    """`shipped` goes into the zip under `<slug>/`; `source` (the whole tree, dev files included) is where the
    SBOM reads the dependencies from, with the platform's lock file reader (`lockfile`: composer, npm)."""
    data = zip_tree(shipped, prefix=slug)
    digest = sha256_hex(data)
    sbom = build_sbom(
        name=name,
        slug=slug,
        version=version,
        zip_sha256=digest,
        shipped=shipped,
        source=source,
        timestamp=FIXED_TIMESTAMP,
        lockfile=lockfile,
    )
    zname, sname = zip_name(slug, version), sbom_name(slug, version)
    return Bundle(zname, data, digest, sname, sbom, sha256sums({zname: data, sname: sbom}))
