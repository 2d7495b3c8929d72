"""After a restart no job stays 'running' with no execution behind it."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from forge.cli.client import spec_payload
from forge.config import get_settings, reset_settings
from forge.db.connection import Database
from forge.local.runtime import LocalRuntime
from tests.e2e.conftest import EXAMPLE, client_for, wait_for

pytestmark = pytest.mark.e2e


def test_restart_reattaches_waiting_jobs_and_fails_interrupted_ones(
    tmp_path: Path,
    new_database,
    softhsm: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FORGE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DATABASE_URL", new_database())
    reset_settings()
    with LocalRuntime(port=0) as first:
        ops = client_for(first, "erin")
        waiting = ops.submit(spec_payload(EXAMPLE))["id"]
        wait_for(ops, waiting, ("awaiting_approval",))
        client_for(first, "alice").decide(ops.job(waiting)["approval_request"]["id"], True)
    database = Database(get_settings().database_url or "")
    interrupted = database.fetchone(
        """INSERT INTO forge_jobs (requested_by, params, cms, status, current_step, execution_arn, started_at)
           SELECT requested_by, params, cms, 'running', 'test', 'arn:aws:states:us-east-1:123456789012:execution:x:y',
                  now() FROM forge_jobs WHERE id = %s RETURNING id""",
        (waiting,),
    )["id"]

    with LocalRuntime(port=0) as second:
        actions = dict(second.reconciled)
        assert "re-attached" in actions[UUID(waiting)]
        assert "marked failed" in actions[interrupted]
        ops = client_for(second, "erin")
        failed = ops.job(str(interrupted))["job"]
        assert failed["status"] == "failed"
        assert "forge retry" in failed["error"]
        detail = wait_for(ops, waiting, ("awaiting_approval",))
        # alice's approval survived the restart; bob's completes the threshold on the new execution.
        released = client_for(second, "bob").decide(detail["approval_request"]["id"], True)
        assert released["released"] is True
        detail = wait_for(ops, waiting, ("success", "failed"))
        assert detail["job"]["status"] == "success", detail["job"]["error"]


def test_approval_wait_times_out(tmp_path: Path, new_database, softhsm: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORGE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DATABASE_URL", new_database())
    monkeypatch.setenv("FORGE_APPROVAL_TIMEOUT_SECONDS", "2")
    reset_settings()
    with LocalRuntime(port=0) as runtime:
        ops = client_for(runtime, "erin")
        job = ops.submit(spec_payload(EXAMPLE))["id"]
        detail = wait_for(ops, job, ("failed", "success"), timeout=120)
        assert detail["job"]["status"] == "failed"
        assert detail["job"]["error"].startswith("timed out")
        assert detail["approval_request"]["status"] == "expired"
        assert [r["status"] for r in detail["runs"] if r["step"] == "approval"] == ["failed"]
