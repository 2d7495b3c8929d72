"""The Molam marketplace connector: the forge's own marketplace (a folder locally, an S3 bucket behind CloudFront in
AWS), one connector among four. It offers the release as merchants verify it, trust files included."""

from __future__ import annotations

from forge.errors import StepFailed
from forge.ports.connectors import ConnectorResult, RetractionTarget, VerifiedRelease
from forge.ports.marketplace import Marketplace


class MolamConnector:
    connector_type = "molam"

    def __init__(self, marketplace: Marketplace) -> None:
        self.marketplace = marketplace

    def publish(self, release: VerifiedRelease) -> ConnectorResult:
        try:
            released = self.marketplace.publish(release.slug, release.version, release.files, release.zip_name)
        except StepFailed as exc:
            return ConnectorResult.failed(str(exc))
        # keys.json and the signed revocation list the release was verified against: a merchant must find them.
        self.marketplace.write_root_files(release.trust_files)
        where = str(released.folder) if released.folder is not None else released.uri
        return ConnectorResult.done(f"offered at {where}", f"{release.slug}@{release.version}", released.uri)

    def status(self, external_id: str) -> str:
        return f"{external_id}: offered by the Molam marketplace until retracted"

    def retract(self, target: RetractionTarget) -> ConnectorResult:
        removed = self.marketplace.retract(target.slug, target.version)
        verdict = "release removed" if removed else "nothing left to remove"
        return ConnectorResult.done(f"{verdict}; merchants learn of the revocation from revocations.json")
