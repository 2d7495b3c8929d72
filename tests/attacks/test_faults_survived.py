"""Faults a killed or starved runtime meets leave nothing half-done behind: no run stays "running" after its task
died, a full or read-only artifact store fails the step with a message and leaves no partial file, and a missing HSM
token is a TransientError (Sign retries, then fails naming the HSM). bench/faults.py and tests/chaos/ drive the same
faults through a whole runtime process; these tests pin each guarantee on the one component that keeps it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from forge.artifacts.local import LocalArtifactStore
from forge.config import get_settings
from forge.errors import ForgeError, NotFound, TransientError
from forge.models.job import RunStatus, Step
from forge.models.spec import PluginSpec
from forge.pipeline.deps import PipelineDeps
from forge.signing.pkcs11_signer import Pkcs11Signer


def test_an_attempt_left_running_by_a_killed_task_is_superseded_by_the_next(
    deps: PipelineDeps, spec: PluginSpec
) -> None:
    """The runtime (or a Lambda, a Fargate task) died inside Build: its run row never closed. The workflow's retry
    delivers Build again under a new delivery key; the dead attempt must not stay "running" beside it."""
    job, _ = deps.repos.jobs.create(spec, "erin", None)
    dead, _ = deps.repos.runs.open(job.id, Step.BUILD, "exec:r0:0")
    retried, existed = deps.repos.runs.open(job.id, Step.BUILD, "exec:r0:1")
    assert not existed
    runs = {r.id: r for r in deps.repos.runs.for_job(job.id)}
    assert runs[retried.id].status is RunStatus.RUNNING
    assert runs[dead.id].status is RunStatus.FAILED, "the dead attempt is still 'running'"
    assert "superseded" in (runs[dead.id].error or "")
    assert runs[dead.id].finished_at is not None
    # A late answer from the dead attempt changes nothing: its run is closed.
    assert not deps.repos.runs.finish(dead.id, RunStatus.SUCCESS)


def test_another_steps_running_run_is_left_alone(deps: PipelineDeps, spec: PluginSpec) -> None:
    """Only attempts of the same step are superseded: the approval wait's open run stays open while Publish runs."""
    job, _ = deps.repos.jobs.create(spec, "erin", None)
    waiting, _ = deps.repos.runs.open(job.id, Step.APPROVAL, "exec:0")
    deps.repos.runs.open(job.id, Step.PUBLISH, "exec:0")
    assert {r.id: r for r in deps.repos.runs.for_job(job.id)}[waiting.id].status is RunStatus.RUNNING


@pytest.fixture
def small_store(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs: an artifact store that can be filled and made read-only, even for root."""
    root = tmp_path / "store"
    root.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "forge-attack-store", str(root)], check=True)
    try:
        yield root
    finally:
        subprocess.run(["umount", "-l", str(root)], check=True)


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_full_artifact_store_fails_cleanly_and_leaves_no_partial_file(small_store: Path) -> None:
    store = LocalArtifactStore(small_store)
    store.put("jobs/1/small.txt", b"kept")
    with pytest.raises(ForgeError, match="artifact store") as failure:
        store.put("jobs/1/package.zip", b"z" * 256 * 1024)
    assert not isinstance(failure.value, TransientError)
    assert _files(small_store) == ["jobs/1/small.txt"], "a partial file was left behind"
    with pytest.raises(NotFound):
        store.get("jobs/1/package.zip")
    assert store.get("jobs/1/small.txt") == b"kept"


def test_a_read_only_artifact_store_fails_cleanly(small_store: Path) -> None:
    store = LocalArtifactStore(small_store)
    store.put("jobs/1/package.zip", b"first")
    subprocess.run(["mount", "-o", "remount,ro", str(small_store)], check=True)
    with pytest.raises(ForgeError, match="artifact store"):
        store.put("jobs/1/package.zip", b"second")
    with pytest.raises(ForgeError, match="artifact store"):
        store.put("jobs/2/new.zip", b"new")
    assert store.get("jobs/1/package.zip") == b"first"


def test_a_missing_hsm_token_is_transient_and_names_the_hsm(softhsm: str) -> None:
    """Sign retries a TransientError with backoff, then fails the job with its message: the token being away (an HSM
    cluster unreachable, a token not plugged in) must be one, naming the HSM, not a crash or a final StepFailed."""
    settings = get_settings()
    signer = Pkcs11Signer(settings.pkcs11_module, "no-such-token-here", softhsm, "forge-signing")
    with pytest.raises(TransientError, match="HSM") as failure:
        signer.sign(b"manifest")
    assert "no-such-token-here" in str(failure.value)


def _token_folder() -> Path:
    """The session token's folder, as SoftHSM2 reads it from SOFTHSM2_CONF."""
    conf = Path(os.environ["SOFTHSM2_CONF"]).read_text()
    return Path(next(line.split("=", 1)[1].strip() for line in conf.splitlines() if "tokendir" in line))


def test_an_hsm_token_that_comes_back_signs_again_without_a_restart(softhsm: str) -> None:
    """SoftHSM2 reads its token folder when the module initialises: a token that went away and came back stayed
    unusable to the process (GeneralError) until the runtime restarted. After an unavailable answer the signer
    initialises the module again on its next use, so `forge retry` signs in the same process."""
    settings = get_settings()
    signer = Pkcs11Signer(settings.pkcs11_module, settings.pkcs11_token_label, softhsm, f"back-{secrets.token_hex(4)}")
    signer.generate()
    signer.sign(b"before")
    tokens = _token_folder()
    away = tokens.with_name(f"{tokens.name}-away")
    tokens.rename(away)
    try:
        for _ in range(2):  # the first use after a failure re-initialises while the token is still away
            with pytest.raises(TransientError, match="HSM unavailable"):
                signer.sign(b"while away")
    finally:
        away.rename(tokens)
    assert len(signer.sign(b"after")) > 64
    assert len(signer.sign(b"and again")) > 64


# In a fresh interpreter: the module must first load while the token folder is away (this test process loaded it
# long ago). Prints what Sign did: the error's type and message while away, then "signed" once the token is back.
_FIRST_LOAD_WHILE_AWAY = """
import os, sys
from pathlib import Path
from forge.errors import TransientError
from forge.signing.pkcs11_signer import Pkcs11Signer
from forge.signing.softhsm import DEFAULT_MODULE, prepare_softhsm

root = Path(sys.argv[1])
pin = prepare_softhsm(root, "first-load")
tokens = root / "tokens"
away = root / "tokens-away"
tokens.rename(away)
signer = Pkcs11Signer(DEFAULT_MODULE, "first-load", pin, "first-load-key")
try:
    signer.sign(b"while away")
    print("signed while away")
except Exception as exc:
    print(type(exc).__name__, exc)
away.rename(tokens)
signer.generate()
signer.sign(b"back")
print("signed")
"""


def test_an_hsm_token_away_when_the_module_first_loads_is_transient_too(tmp_path: Path) -> None:
    """A runtime that starts while the HSM is unreachable: the PKCS#11 module itself fails to initialise
    (SoftHSM2: CKR_GENERAL_ERROR). That was a final "cannot load PKCS#11 module" error with no reason, so Sign was
    not retried and failed the job at once; it is the same TransientError as a token going away later, and the next
    use loads the module again."""
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_LOAD_WHILE_AWAY, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "SOFTHSM2_CONF"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    away, back = done.stdout.strip().splitlines()[-2:]
    assert away.startswith("TransientError HSM unavailable"), away
    assert "first-load" in away, away
    assert back == "signed"
