"""Text the CLI did not write itself (job and run errors, logs, requester names, release check details) is shown
as the characters it is: rich markup in it is not interpreted (no fake ✓, no crash on an unbalanced tag), and
terminal control characters (ANSI escapes, carriage returns, bells) are shown escaped, never sent to the terminal."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from typer.testing import CliRunner

from forge.cli.client import ForgeClient
from forge.cli.main import app
from forge.cli.output import console
from forge.cli.progress import Follower
from forge.config import get_settings
from forge.db.connection import Database
from forge.db.repositories.jobs import JobRepository
from forge.db.repositories.runs import RunRepository
from forge.local.runtime import LocalRuntime
from forge.models.job import JobStatus, RunStatus, Step
from forge.models.spec import load_spec
from tests.e2e.conftest import EXAMPLE

SPOOF = "[bold red]✓ publish[/]"
UNBALANCED = "[/]"
ANSI = "\x1b[2J\x1b]0;owned\x07"
PAYLOAD = f"{SPOOF} {UNBALANCED} {ANSI}\r  ✓ sign"
CONTROL_CHARACTERS = ("\x1b", "\x07", "\r")


@pytest.fixture(scope="module")
def hostile_job(runtime: LocalRuntime) -> str:
    """A failed job whose error, run error, logs and requester name all carry markup and terminal escapes."""
    db = Database(get_settings().database_url or "")
    try:
        job, _ = JobRepository(db).create(load_spec(EXAMPLE), f"mallory{SPOOF}{ANSI}", None)
        runs = RunRepository(db)
        run, _ = runs.open(job.id, Step.BUILD, "attack")
        runs.append_log(run.id, f"compiling\n{PAYLOAD}\n")
        runs.finish(run.id, RunStatus.FAILED, {"summary": PAYLOAD}, error=PAYLOAD)
        JobRepository(db).finish(job.id, JobStatus.FAILED, error=PAYLOAD)
    finally:
        db.close()
    return str(job.id)


@pytest.fixture
def cli(runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("FORGE_API_URL", runtime.api_url)
    monkeypatch.setattr(console, "width", 300)
    return CliRunner()


def assert_shown_literally(output: str) -> None:
    for control in CONTROL_CHARACTERS:
        assert control not in output, f"{control!r} reached the terminal: {output!r}"
    assert SPOOF in output, f"markup was interpreted: {output!r}"
    assert "\\x1b[2J" in output, "the escape should be visible, escaped"


def test_forge_job_shows_hostile_text_literally(cli: CliRunner, hostile_job: str) -> None:
    result = cli.invoke(app, ["job", hostile_job])
    assert result.exit_code == 0, result.output
    assert_shown_literally(result.output)


def test_forge_jobs_shows_hostile_requester_literally(cli: CliRunner, hostile_job: str) -> None:
    result = cli.invoke(app, ["jobs"])
    assert result.exit_code == 0, result.output
    assert f"mallory{SPOOF}" in result.output, result.output
    for control in CONTROL_CHARACTERS:
        assert control not in result.output


def test_progress_shows_hostile_run_errors_literally(runtime: LocalRuntime, hostile_job: str) -> None:
    out = io.StringIO()
    Follower(ForgeClient(runtime.api_url, user="erin"), hostile_job, Console(file=out, width=250)).follow()
    assert_shown_literally(out.getvalue())
