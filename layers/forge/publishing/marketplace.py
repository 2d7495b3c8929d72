"""Which marketplace adapter the settings choose (forge.ports.marketplace.Marketplace): a folder locally; an S3
bucket in AWS, where a Lambda's disk is gone after each call (FORGE_MARKETPLACE=s3). Called by the composition
root (forge.wiring); the domain is handed the marketplace."""

from __future__ import annotations

from forge.config import Settings
from forge.errors import ForgeError
from forge.ports.marketplace import Marketplace


def marketplace(settings: Settings) -> Marketplace:
    if settings.marketplace == "s3":
        if not settings.marketplace_bucket:
            raise ForgeError("FORGE_MARKETPLACE=s3 needs FORGE_MARKETPLACE_BUCKET")
        from forge.publishing.s3_marketplace import S3Marketplace

        return S3Marketplace(settings.marketplace_bucket, settings.marketplace_prefix)
    from forge.publishing.folder_marketplace import FolderMarketplace

    return FolderMarketplace(settings.marketplace_dir)
