"""Publications to marketplaces, the connectors that make them, and the references to their credentials."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class PublicationStatus(StrEnum):
    """plugin_publications.publication_status (migration 012 allows only the moves drawn there)."""

    PENDING = "pending"
    PUBLISHED = "published"
    FAILED = "failed"
    RETRACTING = "retracting"
    RETRACTED = "retracted"


class _Row(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="ignore")


class Publication(_Row):
    id: UUID
    plugin_package_id: UUID
    marketplace_connector_id: UUID
    publication_status: PublicationStatus
    external_id: str | None = None
    url: str | None = None
    error: str | None = None
    # What the marketplace (or its tool) said last, shown as it was: untrusted text.
    connector_message: str | None = None
    # Set while a person must act (an upload through a dashboard, closing a listing); cleared by mark-done.
    manual_action: str | None = None
    attempts: int = 0
    last_attempt_at: datetime | None = None
    published_at: datetime | None = None
    retracted_at: datetime | None = None


class PublicationEvent(_Row):
    id: int
    publication_id: UUID
    from_status: str | None
    to_status: str
    message: str | None
    attempts: int
    created_at: datetime


class MarketplaceConnector(_Row):
    """A marketplace_connectors row: which marketplace, for which platforms (cms), where, and its non-secret
    settings. Credentials are never here: config names a forge_secrets row ("secret")."""

    id: UUID
    name: str
    connector_type: str
    cms: list[str]
    base_url: str
    enabled: bool
    config: dict[str, Any]

    @property
    def secret_name(self) -> str | None:
        name = self.config.get("secret")
        return str(name) if name else None


class SecretReference(_Row):
    """A forge_secrets row: where the value lives (vault_path: a Vault KV path, a Secrets Manager ARN, or
    forge-home:<name> locally), and when it is due for rotation."""

    name: str
    secret_type: str
    vault_path: str | None = None
    rotation_schedule: timedelta | None = None
    last_rotated_at: datetime | None = None
    rotation_due: bool = False
