"""The internal marketplace merchants download from: released packages under <slug>/<version>/ and, at the root,
the trust files they verify against (keys.json, keys/<id>.pem, revocations.json(.sig)).

A folder locally; an S3 bucket in AWS, where a Lambda's disk is gone after each call (FORGE_MARKETPLACE=s3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from forge.config import Settings
from forge.errors import ForgeError


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


def marketplace(settings: Settings) -> Marketplace:
    if settings.marketplace == "s3":
        if not settings.marketplace_bucket:
            raise ForgeError("FORGE_MARKETPLACE=s3 needs FORGE_MARKETPLACE_BUCKET")
        from forge.publishing.s3_marketplace import S3Marketplace

        return S3Marketplace(settings.marketplace_bucket, settings.marketplace_prefix)
    from forge.publishing.folder_marketplace import FolderMarketplace

    return FolderMarketplace(settings.marketplace_dir)
