"""In-memory stand-ins for the ports the pipeline's domain code calls, for unit tests with no Postgres.

Each fake has the methods of the adapter it replaces that the domain calls, with the same signatures and the same
observable semantics (e.g. a run closes only while it is running, a finished job takes no step), and nothing more:
add a method here when domain code starts calling it. Tests read the state through the public attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn
from uuid import UUID, uuid4

from forge.config import Settings
from forge.errors import NotFound
from forge.models.job import Job, JobStatus, Run, RunStatus, Step
from forge.models.spec import PluginSpec
from forge.pipeline.deps import PipelineDeps

RE_DELIVERED = "\n--- re-delivered: running again ---\n"


def _now() -> datetime:
    return datetime.now(UTC)


class FakeJobs:
    """forge.db.repositories.jobs.JobRepository, in memory."""

    def __init__(self) -> None:
        self.rows: dict[UUID, Job] = {}

    def create(self, spec: PluginSpec, requested_by: str, idempotency_key: str | None) -> tuple[Job, bool]:
        for job in self.rows.values():
            if idempotency_key is not None and (job.requested_by, job.idempotency_key) == (
                requested_by,
                idempotency_key,
            ):
                return job, False
        now = _now()
        job = Job(
            id=uuid4(),
            plugin_package_id=uuid4(),
            requested_by=requested_by,
            params=spec.model_dump(mode="json"),
            cms=spec.platform,
            status=JobStatus.QUEUED,
            idempotency_key=idempotency_key,
            created_at=now,
            updated_at=now,
        )
        self.rows[job.id] = job
        return job, True

    def get(self, job_id: UUID) -> Job:
        if job_id not in self.rows:
            raise NotFound(f"job {job_id} not found")
        return self.rows[job_id]

    def at_step(self, job_id: UUID, step: Step) -> bool:
        job = self.get(job_id)
        if job.status.finished:
            return False
        self.rows[job_id] = job.model_copy(update={"current_step": step, "status": JobStatus.RUNNING})
        return True

    def finish(self, job_id: UUID, status: JobStatus, error: str | None = None) -> bool:
        job = self.get(job_id)
        if job.status.finished:
            return False
        self.rows[job_id] = job.model_copy(update={"status": status, "error": error, "finished_at": _now()})
        return True


class FakeRuns:
    """forge.db.repositories.runs.RunRepository, in memory: one run per (job, step, delivery key)."""

    def __init__(self) -> None:
        self.rows: dict[UUID, Run] = {}
        # Beside the rows, not on them: Run (the model) does not carry its delivery key.
        self.by_delivery: dict[tuple[UUID, Step, str], UUID] = {}

    def open(self, job_id: UUID, step: Step, delivery_key: str) -> tuple[Run, bool]:
        if (job_id, step, delivery_key) in self.by_delivery:
            return self.rows[self.by_delivery[job_id, step, delivery_key]], True
        attempt = 1 + max((r.attempt for r in self.rows.values() if (r.job_id, r.step) == (job_id, step)), default=0)
        run = Run(id=uuid4(), job_id=job_id, step=step, attempt=attempt, status=RunStatus.RUNNING, started_at=_now())
        for other in list(self.rows.values()):  # the repository supersedes dead attempts of the step
            if (other.job_id, other.step, other.status) == (job_id, step, RunStatus.RUNNING):
                self.rows[other.id] = other.model_copy(
                    update={
                        "status": RunStatus.FAILED,
                        "finished_at": _now(),
                        "error": f"superseded by attempt {attempt}",
                    }
                )
        self.rows[run.id] = run
        self.by_delivery[job_id, step, delivery_key] = run.id
        return run, False

    def restart(self, run_id: UUID) -> None:
        run = self.rows[run_id]
        self.rows[run_id] = run.model_copy(
            update={
                "status": RunStatus.RUNNING,
                "started_at": _now(),
                "finished_at": None,
                "error": None,
                "logs": run.logs + RE_DELIVERED,
            }
        )

    def append_log(self, run_id: UUID, text: str) -> None:
        if not text.endswith("\n"):
            text += "\n"
        run = self.rows[run_id]
        self.rows[run_id] = run.model_copy(update={"logs": run.logs + text})

    def merge_artifacts(self, run_id: UUID, artifacts: dict[str, Any]) -> None:
        run = self.rows[run_id]
        self.rows[run_id] = run.model_copy(update={"artifacts": {**run.artifacts, **artifacts}})

    def finish(
        self,
        run_id: UUID,
        status: RunStatus,
        artifacts: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> bool:
        run = self.rows[run_id]
        if run.status is not RunStatus.RUNNING:
            return False
        self.rows[run_id] = run.model_copy(
            update={
                "status": status,
                "artifacts": {**run.artifacts, **(artifacts or {})},
                "error": error,
                "finished_at": _now(),
            }
        )
        return True

    def for_job(self, job_id: UUID) -> list[Run]:
        return sorted((r for r in self.rows.values() if r.job_id == job_id), key=lambda r: (r.started_at, r.attempt))


class FakeArtifacts:
    """forge.artifacts.ArtifactStore, in memory."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, data: bytes) -> str:
        self.objects[key] = bytes(data)
        return f"memory://{key}"

    def get(self, key: str) -> bytes:
        if key not in self.objects:
            raise NotFound(f"artifact {key} not found")
        return self.objects[key]

    def exists(self, key: str) -> bool:
        return key in self.objects


@dataclass
class FakeRepositories:
    """forge.db.repositories.Repositories, with the repositories faked so far."""

    jobs: FakeJobs = field(default_factory=FakeJobs)
    runs: FakeRuns = field(default_factory=FakeRuns)


def _not_faked(port: str) -> Callable[..., NoReturn]:
    def refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
        raise AssertionError(f"this test's deps have no {port}: add a fake to tests/fakes.py")

    return refuse


def fake_deps(forge_home: Path) -> PipelineDeps:
    """PipelineDeps on the in-memory fakes; the ports not faked yet (workflow, signer, isolated runner) refuse
    to be used."""
    return PipelineDeps(
        settings=Settings(FORGE_HOME=forge_home),
        repos=FakeRepositories(),  # type: ignore[arg-type]
        artifacts=FakeArtifacts(),
        workflow=_not_faked("workflow client"),  # type: ignore[arg-type]
        marketplace=_not_faked("marketplace"),  # type: ignore[arg-type]
        signer=_not_faked("signer"),
        key_signer=_not_faked("key signer"),
        new_key=_not_faked("key creation"),
        isolated_runner=_not_faked("isolated runner"),
    )
