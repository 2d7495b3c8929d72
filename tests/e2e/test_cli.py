"""The CLI against a running local runtime: run, approve, job, verify, and its answers to bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forge.auth import mfa, totp
from forge.auth.secret_box import secret_box
from forge.cli.main import app
from forge.cli.output import console
from forge.config import get_settings
from forge.db.connection import Database
from forge.db.repositories.approvers import ApproverRepository
from forge.errors import Forbidden
from forge.local.runtime import LocalRuntime
from tests.e2e.conftest import EXAMPLE
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def cli(runtime: LocalRuntime, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("FORGE_API_URL", runtime.api_url)
    monkeypatch.setenv("FORGE_USER", "erin")
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def jobs_count() -> int:
    return Database(get_settings().database_url or "").fetchone("SELECT count(*) AS n FROM forge_jobs")["n"]


def test_run_approve_and_inspect_through_the_cli(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = cli.invoke(app, ["run", str(EXAMPLE)])
    assert run.exit_code == 0, run.output
    assert "✓ sandbox" in run.output
    assert "Waiting for 2 approvals" in run.output
    job_id = run.output.split("job ", 1)[1].split()[0]
    own = cli.invoke(app, ["approve", job_id, "--as", "erin"])
    assert own.exit_code == 1
    assert "cannot approve" in own.output
    wrong = cli.invoke(app, ["approve", job_id, "--as", "alice", "--code", "000000"])
    assert wrong.exit_code == 1
    assert "not valid" in wrong.output or "no MFA enrolled" in wrong.output
    # Without --code, the local runtime's authenticator (FORGE_HOME) enrols alice and bob and supplies codes.
    for approver in ("alice", "bob"):
        done = cli.invoke(app, ["approve", job_id, "--as", approver, "--comment", "ok"])
        assert done.exit_code == 0, done.output
    assert "workflow released" in done.output
    shown = wait_until(
        lambda: cli.invoke(app, ["job", job_id]),
        lambda shown: "success" in shown.output.split("\n")[0],
        what="the job's success",
    )
    assert "publish" in shown.output
    assert "published" in shown.output
    listed = cli.invoke(app, ["jobs"])
    assert job_id in listed.output
    # A narrow terminal squeezes the other columns, never the id `forge job` needs whole.
    monkeypatch.setattr(console, "width", 80)
    narrow = cli.invoke(app, ["jobs"])
    assert narrow.exit_code == 0, narrow.output
    assert job_id in narrow.output, narrow.output

    folder = Path(
        next(
            line.split("published to Molam Marketplace: ")[1]
            for line in shown.output.splitlines()
            if "published to Molam Marketplace: " in line
        ).strip()
    )
    assert cli.invoke(app, ["verify", str(folder)]).exit_code == 0
    zip_file = next(folder.glob("*.zip"))
    assert cli.invoke(app, ["verify", str(zip_file)]).exit_code == 0
    tampered = tmp_path / "tampered"
    shutil.copytree(folder, tampered)
    data = bytearray((tampered / zip_file.name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (tampered / zip_file.name).write_bytes(bytes(data))
    result = cli.invoke(app, ["verify", str(tampered)])
    assert result.exit_code == 1
    assert "differs from the manifest" in result.output


def test_approver_enroll_prints_the_otpauth_uri_once(cli: CliRunner) -> None:
    result = cli.invoke(app, ["approver", "enroll", "grace", "--as", "root"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("otpauth://totp/Plugin%20Forge:grace?secret=")
    again = cli.invoke(app, ["approver", "enroll", "grace", "--as", "root"])
    assert again.exit_code == 1
    assert "already enrolled" in again.output
    assert "pass --replace" in again.output
    assert cli.invoke(app, ["approver", "enroll", "grace", "--as", "root", "--replace"]).exit_code == 0
    assert cli.invoke(app, ["approver", "enroll", "bad name!", "--as", "root"]).exit_code == 1


def test_an_admin_lists_unlocks_and_deactivates_approvers(cli: CliRunner) -> None:
    enrolled = cli.invoke(app, ["approver", "enroll", "heidi", "--as", "root"])
    assert enrolled.exit_code == 0, enrolled.output
    seed = enrolled.output.split("secret: ", 1)[1].split()[0]
    valid = {totp.code_at_step(seed, totp.current_step() + offset) for offset in range(-2, 3)}
    approvers = ApproverRepository(Database(get_settings().database_url or ""))
    for guess in [c for c in ("111111", "222222", "333333", "444444", "555555", "666666") if c not in valid][:5]:
        with pytest.raises(Forbidden):
            mfa.verify(approvers, secret_box(get_settings()), "heidi", guess, source_ip="192.0.2.7")

    listed = cli.invoke(app, ["approver", "list", "--as", "root"])
    assert listed.exit_code == 0, listed.output
    assert "heidi  LOCKED since" in listed.output, listed.output
    assert cli.invoke(app, ["approver", "unlock", "heidi", "--as", "root"]).exit_code == 2  # --reason is required
    unlocked = cli.invoke(app, ["approver", "unlock", "heidi", "--as", "root", "--reason", "heidi's own typos"])
    assert unlocked.exit_code == 0, unlocked.output
    assert "heidi unlocked: active" in unlocked.output, unlocked.output
    again = cli.invoke(app, ["approver", "unlock", "heidi", "--as", "root", "--reason", "again"])
    assert again.exit_code == 1
    assert "not locked" in again.output
    events = cli.invoke(app, ["approver", "events", "heidi", "--as", "root"])
    lines = events.output.splitlines()
    assert "unlocked    by root: heidi's own typos" in lines[0], events.output
    assert "locked" in lines[1]
    assert "mfa_failed  by heidi from 192.0.2.7" in lines[2]
    gone = cli.invoke(app, ["approver", "deactivate", "heidi", "--as", "root", "--reason", "left [red]the team"])
    assert gone.exit_code == 0, gone.output
    assert "heidi deactivated" in gone.output, gone.output
    assert "by root" in gone.output, gone.output
    assert "left [red]the team" in cli.invoke(app, ["approver", "events", "heidi", "--as", "root"]).output
    assert cli.invoke(app, ["approver", "events", "nobody", "--as", "root"]).exit_code == 1


def test_invalid_spec_exits_2_naming_each_field_and_writes_nothing(cli: CliRunner, tmp_path: Path) -> None:
    before = jobs_count()
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        EXAMPLE.read_text()
        .replace("slug: molam-pay-for-woocommerce", "slug: woo-molam")
        .replace("version: 1.0.0", "version: one")
    )
    result = cli.invoke(app, ["run", str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.output
    assert "slug:" in result.output
    assert "version:" in result.output
    missing = cli.invoke(app, ["run", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2
    assert "file not found" in missing.output
    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("name: [\n")
    assert cli.invoke(app, ["run", str(garbage)]).exit_code == 2
    assert jobs_count() == before


def test_unknown_and_malformed_job_ids(cli: CliRunner) -> None:
    unknown = cli.invoke(app, ["job", "00000000-0000-4000-8000-000000000000"])
    assert unknown.exit_code == 1
    assert "not found" in unknown.output
    malformed = cli.invoke(app, ["job", "not-a-uuid"])
    assert malformed.exit_code == 1
    assert "job_id" in malformed.output
    assert cli.invoke(app, ["cancel", "00000000-0000-4000-8000-000000000000"]).exit_code == 1
    assert cli.invoke(app, ["approve", "00000000-0000-4000-8000-000000000000", "--as", "bob"]).exit_code == 1


def test_no_runtime_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORGE_API_URL", "http://127.0.0.1:9")
    result = CliRunner().invoke(app, ["jobs"])
    assert result.exit_code == 1
    assert "cannot reach the forge API" in result.output


def test_generate_and_package_are_reproducible(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "plugin"
    assert runner.invoke(app, ["generate", str(EXAMPLE), "--out", str(out)]).exit_code == 0
    refused = runner.invoke(app, ["generate", str(EXAMPLE), "--out", str(out)])
    assert refused.exit_code == 1
    assert "not empty" in refused.output
    first = runner.invoke(app, ["package", str(out), "-o", str(tmp_path / "a.zip")])
    for path in out.rglob("*"):
        path.touch()
    second = runner.invoke(app, ["package", str(out), "-o", str(tmp_path / "b.zip")])
    assert first.exit_code == second.exit_code == 0
    assert first.output.split()[0] == second.output.split()[0]
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
