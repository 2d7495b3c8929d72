"""Listing and detail commands for scripts and people: `--json` prints the API's own document, once; a table never
folds a job id or a status, fits a terminal's width, and gives a pipe every row on one line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from forge.cli.client import ForgeClient
from forge.cli.main import app
from forge.cli.output import console
from forge.config import get_settings
from forge.db.connection import Database
from forge.db.repositories.jobs import JobRepository
from forge.local.runtime import LocalRuntime
from forge.models.spec import load_spec
from tests.e2e.conftest import EXAMPLE
from tests.integration.api.conftest import signed_package_awaiting

LONG_REQUESTER = "requester-with-a-name-long-enough-to-need-folding-on-any-terminal-" * 2

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def listed(runtime: LocalRuntime) -> dict[str, str]:
    """A queued job with a long requester name, and a signed package waiting for approval."""
    from forge.wiring import default_deps

    db = Database(get_settings().database_url or "")
    try:
        job, _ = JobRepository(db).create(load_spec(EXAMPLE), LONG_REQUESTER, None)
    finally:
        db.close()
    request_id = signed_package_awaiting(default_deps(), requested_by="erin", token="listing-token")
    return {"job": str(job.id), "request": str(request_id)}


@pytest.fixture
def cli(runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("FORGE_API_URL", runtime.api_url)
    monkeypatch.setenv("FORGE_USER", "erin")
    return CliRunner()


@pytest.mark.parametrize(
    ("argv", "path"),
    [
        (["jobs", "--json"], "/jobs?limit=20"),
        (["packages", "--json"], "/packages?limit=20"),
        (["approvals", "--json"], "/approvals"),
        (["keys", "list", "--json"], "/keys"),
    ],
)
def test_json_is_the_apis_own_document(
    cli: CliRunner, runtime: LocalRuntime, listed: dict[str, str], argv: list[str], path: str
) -> None:
    result = cli.invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == ForgeClient(runtime.api_url, user="erin")._call("GET", path)


def test_job_json_is_the_jobs_detail_document(cli: CliRunner, runtime: LocalRuntime, listed: dict[str, str]) -> None:
    result = cli.invoke(app, ["job", listed["job"], "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == ForgeClient(runtime.api_url, user="erin").job(listed["job"])
    assert cli.invoke(app, ["job", "00000000-0000-0000-0000-000000000000", "--json"]).exit_code == 1


def test_a_pipe_gets_every_row_on_one_line(cli: CliRunner, listed: dict[str, str]) -> None:
    result = cli.invoke(app, ["jobs"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if listed["job"] in line)
    assert LONG_REQUESTER in row
    assert "queued" in row


def test_a_narrow_terminal_folds_other_columns_never_the_id_or_status(
    cli: CliRunner, listed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "_force_terminal", True)
    monkeypatch.setattr(console, "width", 100)
    result = cli.invoke(app, ["jobs"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    row = next(line for line in lines if listed["job"] in line)
    assert "queued" in row
    assert LONG_REQUESTER not in row, "the requester column should fold to fit"
    pending = cli.invoke(app, ["approvals"])
    assert pending.exit_code == 0, pending.output
    assert any("pending" in line for line in pending.stdout.splitlines())
