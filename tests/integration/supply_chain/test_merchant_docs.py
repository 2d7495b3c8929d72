"""docs/verify.md's commands, verbatim, with nothing of the forge on PATH: a published release passes; a
flipped byte, a key the keyset does not publish or marks compromised, and a revoked package each stop the check."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from forge.pipeline.deps import PipelineDeps
from forge.pipeline.key_rotation import compromise_key, rotate_keys
from forge.pipeline.revocation import revoke_package
from tests.integration.supply_chain.flow import released

DOC = Path(__file__).resolve().parents[3] / "docs" / "verify.md"


def merchant_script() -> str:
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert len(blocks) == 1, "docs/verify.md has exactly one command block"
    return blocks[0]


@pytest.fixture
def deps(forge_env: Path, softhsm: str) -> Iterator[PipelineDeps]:
    from forge.wiring import default_deps, reset_deps

    reset_deps()
    yield default_deps()
    reset_deps()


def merchant_copy(deps: PipelineDeps, folder: Path, where: Path) -> Path:
    """What a merchant saves: the trust files at the top, the release two levels down, as in the marketplace."""
    root = deps.settings.marketplace_dir
    for name in ("keys.json", "revocations.json", "revocations.json.sig"):
        shutil.copy(root / name, where / name)
    shutil.copytree(root / "keys", where / "keys")
    release = where / folder.parent.name / folder.name
    shutil.copytree(folder, release)
    return release


def run(release: Path) -> subprocess.CompletedProcess[str]:
    (release.parent / "check.sh").write_text(merchant_script())
    return subprocess.run(
        ["sh", "-e", "../check.sh"],
        cwd=release,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"},
        timeout=60,
    )


def test_the_documented_commands_verify_a_release(deps: PipelineDeps, tmp_path: Path) -> None:
    _job, folder = released(deps)
    done = run(merchant_copy(deps, folder, tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("Verified OK") == 3
    for line in ("zip matches the manifest", "is in the forge keyset (active)", "not revoked", "approved manifest"):
        assert line in done.stdout
    listed = json.loads((deps.settings.marketplace_dir / "revocations.json").read_bytes())
    assert f"revocation list version {listed['version']} (" in done.stdout


@pytest.mark.parametrize("target", ["zip", "manifest.json", "release-statement.json"])
def test_a_flipped_byte_stops_the_documented_check(deps: PipelineDeps, tmp_path: Path, target: str) -> None:
    _job, folder = released(deps)
    release = merchant_copy(deps, folder, tmp_path)
    path = next(release.glob("*.zip")) if target == "zip" else release / target
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    done = run(release)
    assert done.returncode != 0
    assert "approved manifest" not in done.stdout


def test_a_key_the_forge_does_not_publish_stops_the_check(deps: PipelineDeps, tmp_path: Path) -> None:
    _job, folder = released(deps)
    release = merchant_copy(deps, folder, tmp_path)
    # An attacker re-signs the manifest with their own key and ships that key beside it.
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "evil.key"],
                   cwd=tmp_path, check=True, capture_output=True)  # fmt: skip
    subprocess.run(["openssl", "pkey", "-in", "evil.key", "-pubout", "-out", str(release / "signing-key.pem")],
                   cwd=tmp_path, check=True, capture_output=True)  # fmt: skip
    subprocess.run(["openssl", "dgst", "-sha256", "-sign", "evil.key", "-out", str(release / "manifest.json.sig"),
                    str(release / "manifest.json")], cwd=tmp_path, check=True, capture_output=True)  # fmt: skip
    done = run(release)
    assert "Verified OK" in done.stdout  # the forged signature itself is fine...
    assert done.returncode != 0
    assert "is in the forge keyset" not in done.stdout  # ...its key is not the forge's


def test_a_revoked_package_stops_the_check(deps: PipelineDeps, tmp_path: Path) -> None:
    job, folder = released(deps)
    before = tmp_path / "before"
    before.mkdir()
    release = merchant_copy(deps, folder, before)
    revoke_package(deps, job.plugin_package_id, "leaked API key", "root")
    for name in ("keys.json", "revocations.json", "revocations.json.sig"):
        shutil.copy(deps.settings.marketplace_dir / name, release.parents[1] / name)
    done = run(release)
    assert done.returncode != 0
    assert "REVOKED: do not install" in done.stdout


def test_a_key_marked_compromised_stops_the_check(deps: PipelineDeps, tmp_path: Path) -> None:
    _job, folder = released(deps)
    signed_by = json.loads((folder / "manifest.json").read_bytes())["key_id"]
    done = compromise_key(deps, signed_by, "HSM PIN leaked")
    assert done.replacement is not None  # it was the active key
    release = merchant_copy(deps, folder, tmp_path)
    # The PEM is still published under its id, so `cmp` alone would pass: keys.json's status must stop it.
    assert (release.parents[1] / "keys" / f"{signed_by}.pem").is_file()
    result = run(release)
    assert result.returncode != 0
    assert "KEY compromised: do not install" in result.stdout
    assert "is in the forge keyset" not in result.stdout
    assert "approved manifest" not in result.stdout


def test_a_key_missing_from_keys_json_stops_the_check(deps: PipelineDeps, tmp_path: Path) -> None:
    _job, folder = released(deps)
    release = merchant_copy(deps, folder, tmp_path)
    keys_json = release.parents[1] / "keys.json"
    keyset = json.loads(keys_json.read_bytes())
    keyset["keys"] = []
    keys_json.write_text(json.dumps(keyset))
    result = run(release)
    assert result.returncode != 0
    assert "KEY MISSING FROM keys.json: do not install" in result.stdout


def test_a_package_signed_before_a_rotation_still_passes(deps: PipelineDeps, tmp_path: Path) -> None:
    _job, folder = released(deps)
    rotate_keys(deps)
    result = run(merchant_copy(deps, folder, tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is in the forge keyset (retired)" in result.stdout


def test_the_commands_the_demo_prints_verify_a_release_and_name_its_approvers(
    deps: PipelineDeps, tmp_path: Path
) -> None:
    from forge.publishing.release import merchant_commands

    _job, folder = released(deps)
    release = merchant_copy(deps, folder, tmp_path)
    manifest = json.loads((release / "manifest.json").read_bytes())
    lines = merchant_commands(release, manifest["slug"], manifest["version"])
    done = subprocess.run(
        ["sh", "-e", "-c", "\n".join(lines)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"},
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("Verified OK") == 2
    assert '"approver_id":"alice"' in done.stdout
    assert '"approver_id":"bob"' in done.stdout
