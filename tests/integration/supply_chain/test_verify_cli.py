"""`forge verify`: 0 when everything verifies, 1 when a check fails (unknown key, tampering), 3 when revoked."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forge.cli.main import app
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.revocation import revoke_package
from tests.integration.supply_chain.flow import released


@pytest.fixture
def deps(forge_env: Path, softhsm: str) -> Iterator[PipelineDeps]:
    from forge.wiring import default_deps, reset_deps

    reset_deps()
    yield default_deps()
    reset_deps()


def test_verify_reports_revoked_with_a_valid_signature(deps: PipelineDeps, tmp_path: Path) -> None:
    job, folder = released(deps)
    runner = CliRunner()
    ok = runner.invoke(app, ["verify", str(folder)])
    assert ok.exit_code == 0
    assert "VERIFIED" in ok.output
    assert "approved by alice, bob" in ok.output
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    root = deps.settings.marketplace_dir
    revoke_package(deps, job.plugin_package_id, "leaked API key", "root")
    result = runner.invoke(
        app, ["verify", str(copy), "--keys", str(root / "keys.json"), "--revocations", str(root / "revocations.json")]
    )
    assert result.exit_code == 3, result.output
    assert "✓ signature" in result.output
    assert "REVOKED" in result.output
    assert "leaked API key" in result.output


def test_verify_refuses_a_key_not_in_the_keyset(deps: PipelineDeps, tmp_path: Path) -> None:
    _job, folder = released(deps)
    root = deps.settings.marketplace_dir
    other = json.loads((root / "keys.json").read_text())
    other["keys"] = [dict(other["keys"][0], key_id="0" * 64)]
    (tmp_path / "keys.json").write_text(json.dumps(other))
    result = CliRunner().invoke(app, ["verify", str(folder), "--keys", str(tmp_path / "keys.json")])
    assert result.exit_code == 1
    assert "NOT in the forge keyset" in result.output
    assert "NOT VERIFIED" in result.output


def test_verify_without_trust_files_or_with_missing_ones_is_a_clear_failure(deps: PipelineDeps, tmp_path: Path) -> None:
    _job, folder = released(deps)
    copy = tmp_path / "alone"
    shutil.copytree(folder, copy)
    result = CliRunner().invoke(app, ["verify", str(copy)])
    assert result.exit_code == 1
    assert "keys.json not found" in result.output
    missing = CliRunner().invoke(app, ["verify", str(copy), "--keys", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1
    assert "does not exist" in missing.output


def test_verify_refuses_a_revocation_list_older_than_one_it_accepted(deps: PipelineDeps, tmp_path: Path) -> None:
    from forge.pipeline.key_rotation import rotate_keys
    from forge.pipeline.revocation import publish_trust_files

    _job, folder = released(deps)
    root = deps.settings.marketplace_dir
    old = tmp_path / "old"
    old.mkdir()
    for name in ("revocations.json", "revocations.json.sig"):
        shutil.copy(root / name, old / name)
    newer = publish_trust_files(deps, new_list=True)
    runner = CliRunner()
    state = deps.settings.forge_home / "verify" / "revocations-seen.json"

    accepted = runner.invoke(app, ["verify", str(folder)])
    assert accepted.exit_code == 0, accepted.output
    assert f"revocation list v{newer} signature verifies" in accepted.output
    assert {s["version"] for s in json.loads(state.read_text())["keys"].values()} == {newer}

    replayed = runner.invoke(app, ["verify", str(folder), "--revocations", str(old / "revocations.json")])
    assert replayed.exit_code == 1, replayed.output
    assert f"v{newer - 1} is OLDER than v{newer}" in replayed.output
    assert "NOT VERIFIED" in replayed.output

    # A rotation keeps the old key in keys.json: the memory holds across it.
    rotate_keys(deps)
    after_rotation = runner.invoke(app, ["verify", str(folder), "--revocations", str(old / "revocations.json")])
    assert after_rotation.exit_code == 1
    assert "OLDER" in after_rotation.output

    # Another state file has seen nothing yet; the same list verifies there.
    fresh = tmp_path / "fresh-state.json"
    elsewhere = runner.invoke(
        app, ["verify", str(folder), "--revocations", str(old / "revocations.json"), "--state", str(fresh)]
    )
    assert elsewhere.exit_code == 0, elsewhere.output
    assert fresh.is_file()


def test_verify_with_a_damaged_state_file_fails_closed_with_a_message(deps: PipelineDeps, tmp_path: Path) -> None:
    _job, folder = released(deps)
    state = tmp_path / "state.json"
    state.write_text("{not json")
    result = CliRunner().invoke(app, ["verify", str(folder), "--state", str(state)])
    assert result.exit_code == 1
    assert "is not a revocation state file; delete it to start over" in result.output
    assert "Traceback" not in result.output
