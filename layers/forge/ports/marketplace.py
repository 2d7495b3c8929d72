"""The internal marketplace merchants download from: released packages under <slug>/<version>/ and, at the root,
the trust files they verify against (keys.json, keys/<id>.pem, revocations.json(.sig)).

A folder locally (forge.publishing.folder_marketplace); an S3 bucket in AWS (forge.publishing.s3_marketplace).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class PublishedRelease:
    uri: str
    # The release folder on this machine (the folder marketplace), for the CLI to show and open.
    folder: Path | None = None


class Marketplace(Protocol):
    def publish(self, slug: str, version: str, files: Mapping[str, bytes], zip_file: str) -> PublishedRelease:
        """Publish slug@version. Re-publishing identical zip bytes is a no-op success (a re-run of a
        reproducible build); different bytes under a published version are refused (StepFailed)."""
        ...

    def retract(self, slug: str, version: str) -> bool:
        """Stop offering slug@version; True when something was taken down."""
        ...

    def write_root_files(self, files: Mapping[str, bytes]) -> None:
        """Replace keys.json, keys/<id>.pem, revocations.json(.sig) at the root."""
        ...
