"""What the steps are handed: the ports (forge.ports) the adapters behind them implement, and the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from forge.config import Settings
from forge.models.package import SigningKey
from forge.models.publication import MarketplaceConnector
from forge.ports.artifacts import ArtifactStore
from forge.ports.audit import AuditArchive
from forge.ports.connectors import Connector
from forge.ports.marketplace import Marketplace
from forge.ports.repositories import Repositories
from forge.ports.signing import Signer
from forge.ports.workflow import WorkflowClient

if TYPE_CHECKING:
    from forge.isolation.runner import Runner


@dataclass
class PipelineDeps:
    settings: Settings
    repos: Repositories
    artifacts: ArtifactStore
    workflow: WorkflowClient
    marketplace: Marketplace
    # The active key and its signer; the first call creates a key when the keyset has none.
    signer: Callable[[], tuple[SigningKey, Signer]]
    # The signer for any keyset key, to read its public key back from the HSM/KMS: proof the key is the forge's.
    key_signer: Callable[[SigningKey], Signer]
    # A new key in the HSM/KMS/Vault, made the active one (rotation; the previous key stays verify-only).
    new_key: Callable[[], SigningKey]
    # Builds the runner for untrusted tools in a working directory (bubblewrap locally).
    isolated_runner: Callable[..., Runner]
    # The write-once bucket generation prompts and responses are archived in (FORGE_AUDIT_BUCKET), if any.
    audit_archive: AuditArchive | None = None
    # The connector a marketplace_connectors row names (forge.publishing.connectors); None where nothing publishes.
    connector: Callable[[MarketplaceConnector], Connector] | None = None
