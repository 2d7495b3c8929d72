"""The composition root: real adapters chosen from the environment, built once per process."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from forge.config import get_settings
from forge.pipeline.deps import PipelineDeps
from forge.ports.workflow import WorkflowClient

if TYPE_CHECKING:
    from forge.isolation.runner import Runner

_lock = threading.Lock()
_deps: PipelineDeps | None = None


def _isolated_runner(workdir: Path) -> Runner:
    # Imported here: the API and most functions never start a tool, and the runner brings ctypes and subprocess.
    if get_settings().isolation == "bubblewrap":
        from forge.isolation.bubblewrap import BubblewrapRunner

        return BubblewrapRunner(workdir)
    from forge.isolation.runner import SubprocessRunner

    return SubprocessRunner()


def workflow_client() -> WorkflowClient:
    """The Step Functions client alone, without the database: what a Fargate task reports a failed setup with, and
    what the stopped-task function (functions/task_stopped) answers tokens with."""
    from forge.workflow.client import StepFunctionsWorkflow

    return StepFunctionsWorkflow(get_settings().state_machine_arn or "")


def default_deps() -> PipelineDeps:
    """Lambda containers and the local runtime build this once and reuse the pool and clients."""
    global _deps
    with _lock:
        if _deps is None:
            from forge.artifacts import artifact_store, audit_archive
            from forge.db.connection import database
            from forge.db.dsn import refreshed_dsn, resolve_dsn
            from forge.db.repositories import PostgresRepositories
            from forge.publishing.connectors import connector_factory
            from forge.publishing.marketplace import marketplace
            from forge.signing.backends import active_signer, create_key, signer_for

            settings = get_settings()
            # A rotated database secret is read again at the first refused password (forge.db.connection).
            repos = PostgresRepositories.on(database(resolve_dsn(), refresh_dsn=refreshed_dsn))
            shop = marketplace(settings)
            _deps = PipelineDeps(
                settings=settings,
                repos=repos,
                artifacts=artifact_store(settings),
                workflow=workflow_client(),
                marketplace=shop,
                signer=lambda: active_signer(repos.keys, settings),
                key_signer=lambda key: signer_for(key, settings),
                new_key=lambda: create_key(repos.keys, settings, new=True),
                isolated_runner=_isolated_runner,
                audit_archive=audit_archive(settings),
                connector=connector_factory(settings, shop, repos.publications),
            )
        return _deps


def reset_deps() -> None:
    global _deps
    with _lock:
        _deps = None
