"""What the steps are handed: repositories, the artifact store, the workflow client, the signer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from forge.config import Settings

if TYPE_CHECKING:  # the domain names these types; it never imports the adapters' modules at run time
    from forge.artifacts import ArtifactStore
    from forge.db.repositories import Repositories
    from forge.isolation.runner import Runner
    from forge.models.package import SigningKey
    from forge.signing.signer import Signer
    from forge.workflow.client import WorkflowClient


@dataclass
class PipelineDeps:
    settings: Settings
    repos: Repositories
    artifacts: ArtifactStore
    workflow: WorkflowClient
    signer: Callable[[], tuple[SigningKey, Signer]]
    # The signer for any keyset key, to read its public key back from the HSM/KMS: proof the key is the forge's.
    key_signer: Callable[[SigningKey], Signer]
    # Builds the runner for untrusted tools in a working directory (bubblewrap locally).
    isolated_runner: Callable[..., Runner]
