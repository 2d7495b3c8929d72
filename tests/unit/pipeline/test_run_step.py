"""run_step, the bookkeeping every step goes through, on in-memory fakes of its ports (tests/fakes.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from forge.errors import ForgeError, StepFailed, TransientError
from forge.models.job import Job, JobStatus, RunStatus, Step, StepEvent
from forge.models.spec import load_spec
from forge.pipeline import bookkeeping
from forge.pipeline.bookkeeping import StepContext, StepOutcome, run_step
from forge.pipeline.deps import PipelineDeps
from tests.fakes import RE_DELIVERED, FakeRepositories, fake_deps

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "woocommerce.yaml"


class Body:
    """A step body that records its calls and answers with `outcome` or raises `error`."""

    def __init__(self, outcome: StepOutcome | None = None, error: Exception | None = None) -> None:
        self.outcome = outcome or StepOutcome(summary="built", artifacts={"zip": "a.zip"})
        self.error = error
        self.calls: list[StepContext] = []

    def __call__(self, ctx: StepContext) -> StepOutcome:
        self.calls.append(ctx)
        ctx.log("working")
        if self.error is not None:
            raise self.error
        return self.outcome


@pytest.fixture
def deps(tmp_path: Path) -> PipelineDeps:
    return fake_deps(tmp_path / "forge-home")


@pytest.fixture
def repos(deps: PipelineDeps) -> FakeRepositories:
    return deps.repos  # type: ignore[return-value]


@pytest.fixture
def job(repos: FakeRepositories) -> Job:
    return repos.jobs.create(load_spec(EXAMPLE), "ops", None)[0]


def metrics(out: str) -> dict[str, dict[str, Any]]:
    """{metric name: its EMF document} of what was printed."""
    found = {}
    for line in out.splitlines():
        if line.startswith("{") and "_aws" in line:
            doc = json.loads(line)
            for metric in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
                found[metric["Name"]] = doc
    return found


def value(doc: dict[str, Any], name: str) -> float:
    raw = doc[name]
    return raw[0] if isinstance(raw, list) else raw


def event(job: Job, delivery: str = "exec-1:0") -> StepEvent:
    return StepEvent(job_id=job.id, delivery=delivery)


def test_a_step_runs_its_body_once_and_records_its_run(
    deps: PipelineDeps, repos: FakeRepositories, job: Job, capsys: pytest.CaptureFixture[str]
) -> None:
    body = Body()
    result = run_step(deps, Step.BUILD, event(job), body)
    assert (result.status, result.summary, result.step, result.job_id) == (
        RunStatus.SUCCESS,
        "built",
        Step.BUILD,
        job.id,
    )
    assert len(body.calls) == 1
    assert body.calls[0].run_id == result.run_id
    assert body.calls[0].spec.slug
    run = repos.runs.rows[result.run_id]
    assert run.status is RunStatus.SUCCESS
    assert run.error is None
    assert run.artifacts == {"zip": "a.zip", "summary": "built"}
    assert run.logs == "working\nbuilt\n"
    assert repos.jobs.get(job.id).current_step is Step.BUILD
    duration = metrics(capsys.readouterr().out)["forge_step_duration_seconds"]
    assert duration["step"] == "build"
    assert value(duration, "forge_step_duration_seconds") >= 0


def test_a_redelivery_after_success_returns_the_recorded_result_without_running_the_body(
    deps: PipelineDeps, repos: FakeRepositories, job: Job
) -> None:
    first = run_step(deps, Step.BUILD, event(job), Body())
    again = Body(outcome=StepOutcome(summary="built twice"))
    second = run_step(deps, Step.BUILD, event(job), again)
    assert again.calls == []
    assert second == first
    assert len(repos.runs.rows) == 1


def test_a_redelivery_after_failure_runs_the_body_again_on_the_same_run(
    deps: PipelineDeps, repos: FakeRepositories, job: Job
) -> None:
    with pytest.raises(StepFailed, match="phpunit failed"):
        run_step(deps, Step.BUILD, event(job), Body(error=StepFailed("phpunit failed")))
    retry = Body()
    result = run_step(deps, Step.BUILD, event(job), retry)
    assert len(retry.calls) == 1
    assert result.status is RunStatus.SUCCESS
    [run] = repos.runs.rows.values()
    assert run.id == result.run_id
    assert run.status is RunStatus.SUCCESS
    assert run.error is None
    assert RE_DELIVERED in run.logs
    assert run.logs.index("ERROR: phpunit failed") < run.logs.index(RE_DELIVERED)


def test_a_new_delivery_is_a_new_attempt(deps: PipelineDeps, repos: FakeRepositories, job: Job) -> None:
    with pytest.raises(TransientError):
        run_step(deps, Step.BUILD, event(job, "exec-1:0"), Body(error=TransientError("throttled")))
    run_step(deps, Step.BUILD, event(job, "exec-1:1"), Body())
    assert [(r.attempt, r.status) for r in repos.runs.for_job(job.id)] == [
        (1, RunStatus.FAILED),
        (2, RunStatus.SUCCESS),
    ]


@pytest.mark.parametrize("status", [JobStatus.CANCELLED, JobStatus.FAILED, JobStatus.SUCCESS])
def test_a_finished_job_refuses_a_step_and_does_not_run_the_body(
    deps: PipelineDeps, repos: FakeRepositories, job: Job, status: JobStatus
) -> None:
    repos.jobs.finish(job.id, status)
    body = Body()
    with pytest.raises(StepFailed, match=f"job {job.id} is {status.value}; build not run"):
        run_step(deps, Step.BUILD, event(job), body)
    assert body.calls == []
    assert repos.runs.rows == {}
    assert repos.jobs.get(job.id).status is status
    assert repos.jobs.get(job.id).current_step is None


def test_a_transient_error_is_raised_again_and_the_run_failed_to_be_retried(
    deps: PipelineDeps, repos: FakeRepositories, job: Job, capsys: pytest.CaptureFixture[str]
) -> None:
    error = TransientError("model throttled")
    with pytest.raises(TransientError) as raised:
        run_step(deps, Step.GENERATE, event(job), Body(error=error))
    assert raised.value is error
    [run] = repos.runs.rows.values()
    assert run.status is RunStatus.FAILED
    assert run.error == "transient error (will be retried): model throttled"
    assert "ERROR: transient error (will be retried): model throttled" in run.logs
    failures = metrics(capsys.readouterr().out)
    assert "forge_step_duration_seconds" not in failures
    assert failures["forge_step_failures_total"]["step"] == "generate"
    assert value(failures["forge_step_failures_total"], "forge_step_failures_total") == 1


def test_a_step_failure_fails_the_run_with_its_message(
    deps: PipelineDeps, repos: FakeRepositories, job: Job, capsys: pytest.CaptureFixture[str]
) -> None:
    error = StepFailed("3 of 20 tests failed")
    with pytest.raises(StepFailed) as raised:
        run_step(deps, Step.TEST, event(job), Body(error=error))
    assert raised.value is error
    [run] = repos.runs.rows.values()
    assert (run.status, run.error) == (RunStatus.FAILED, "3 of 20 tests failed")
    assert "forge_step_failures_total" in metrics(capsys.readouterr().out)


def test_a_forge_error_fails_the_run_and_is_raised_as_a_step_failure(
    deps: PipelineDeps, repos: FakeRepositories, job: Job
) -> None:
    error = ForgeError("the signing key is retired")
    with pytest.raises(StepFailed, match="the signing key is retired") as raised:
        run_step(deps, Step.SIGN, event(job), Body(error=error))
    assert raised.value.__cause__ is error
    [run] = repos.runs.rows.values()
    assert (run.status, run.error) == (RunStatus.FAILED, "the signing key is retired")


def test_an_unexpected_exception_is_logged_recorded_and_raised_again(
    deps: PipelineDeps, repos: FakeRepositories, job: Job, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged: list[str] = []
    monkeypatch.setattr(bookkeeping.logger, "exception", lambda msg, *a, **k: logged.append(msg))
    error = KeyError("missing")
    with pytest.raises(KeyError) as raised:
        run_step(deps, Step.PACKAGE, event(job), Body(error=error))
    assert raised.value is error
    assert logged == ["step crashed"]
    [run] = repos.runs.rows.values()
    assert (run.status, run.error) == (RunStatus.FAILED, "internal error: KeyError: 'missing'")


def test_keep_open_leaves_the_run_running(
    deps: PipelineDeps, repos: FakeRepositories, job: Job, capsys: pytest.CaptureFixture[str]
) -> None:
    body = Body(outcome=StepOutcome(summary="waiting for 2 approvals", keep_open=True))
    result = run_step(deps, Step.APPROVAL, event(job), body)
    assert (result.status, result.summary) == (RunStatus.RUNNING, "waiting for 2 approvals")
    run = repos.runs.rows[result.run_id]
    assert run.status is RunStatus.RUNNING
    assert run.finished_at is None
    assert run.logs.endswith("waiting for 2 approvals\n")
    assert metrics(capsys.readouterr().out) == {}
    # The approvers' decision (the API) closes it later.
    assert repos.runs.finish(result.run_id, RunStatus.SUCCESS)
