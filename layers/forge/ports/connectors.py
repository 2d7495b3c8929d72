"""A marketplace connector: publish a verified release, say where it stands, take it down.

One module per marketplace under forge.publishing implements it (molam, wordpress_org, prestashop_addons,
shopify_app_store); the marketplace_connectors rows say which are enabled for which platform. A connector is only
ever handed a `VerifiedRelease`: the orchestrator (forge.pipeline.publications) builds one only after checking the
release the way a merchant would (forge.signing.release_check), so no connector sends what does not verify.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class VerifiedRelease:
    """A release that passed the merchant's check, laid out as merchants get it: `folder` is <root>/<slug>/<version>
    with the zip, SBOM, SHA256SUMS, signed manifest, provenance and release statement; the root holds keys.json,
    keys/<id>.pem and revocations.json(.sig) (`trust_files`)."""

    package_id: UUID
    job_id: UUID
    slug: str
    version: str
    platform: str
    name: str
    description: str
    zip_name: str
    files: Mapping[str, bytes]
    trust_files: Mapping[str, bytes]
    folder: Path
    # What a marketplace asks for beside the zip (a changelog line, the platform versions it was tested on).
    changelog: str = ""
    compatibility: Mapping[str, str] = field(default_factory=dict)

    @property
    def zip_bytes(self) -> bytes:
        return self.files[self.zip_name]


class Outcome(StrEnum):
    DONE = "done"  # published / retracted
    MANUAL = "manual"  # waits on a person (manual_action says what to do)
    FAILED = "failed"


@dataclass(frozen=True)
class ConnectorResult:
    outcome: Outcome
    message: str
    external_id: str | None = None
    url: str | None = None
    manual_action: str | None = None

    @classmethod
    def done(cls, message: str, external_id: str | None = None, url: str | None = None) -> ConnectorResult:
        return cls(Outcome.DONE, message, external_id, url)

    @classmethod
    def manual(cls, message: str, action: str, external_id: str | None = None) -> ConnectorResult:
        return cls(Outcome.MANUAL, message, external_id, None, action)

    @classmethod
    def failed(cls, message: str) -> ConnectorResult:
        return cls(Outcome.FAILED, message)


@dataclass(frozen=True)
class RetractionTarget:
    """What to take down, and the last release of the same plugin that is still good (not revoked), if any: some
    marketplaces cannot delete, only point merchants back at an earlier version."""

    slug: str
    version: str
    reason: str
    job_id: UUID | None
    external_id: str | None
    last_good: VerifiedRelease | None = None


class Connector(Protocol):
    connector_type: str

    def publish(self, release: VerifiedRelease) -> ConnectorResult:
        """Send the release. Sending the same bytes again is a success; different bytes under a version the
        marketplace already has are refused (failed), never overwritten."""
        ...

    def status(self, external_id: str) -> str:
        """What the marketplace says of a publication now, in its own words."""
        ...

    def retract(self, target: RetractionTarget) -> ConnectorResult:
        """Stop offering target.version, as far as the marketplace lets an author; idempotent."""
        ...


class SecretStore(Protocol):
    def read(self, name: str) -> str:
        """The current value of the forge_secrets row `name`, read from where it lives (never cached: a rotated
        credential is used from the next call on). ForgeError when it cannot be read."""
        ...
