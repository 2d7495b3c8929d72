"""The trusted side never reads or writes through a path the untrusted side could have touched.

The plugin's own PHPUnit run is untrusted code. Whatever it plants in the folders it can write (symbolic links
to files outside the sandbox, FIFOs), the forge, which runs as root locally, must not overwrite, read or block on
what they point at."""

from __future__ import annotations

import importlib.util
import os
import stat
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from forge.models.job import Job
from forge.models.spec import PluginSpec
from forge.pipeline import artifacts_layout
from forge.pipeline.deps import PipelineDeps
from tests.attacks.conftest import plugin_with_bootstrap, run_test_step

# Where the plugin's tests plant their links: the parent of the plugin folder, which is the folder the forge
# wrote the contract suites' files into.
PLANT = "$forge_dir = dirname( __DIR__, 2 );\n"


def _root_only(tmp_path: Path) -> Path:
    """A folder only root may enter, outside anything the sandbox mounts."""
    folder = tmp_path / "root-only"
    folder.mkdir(mode=0o700)
    assert folder.stat().st_uid == 0, "the local runtime runs as root, and so must this test"
    return folder


def _everything_recorded(deps: PipelineDeps, job: Job) -> str:
    """What the forge kept of the run: its logs, its result rows and the stored test report."""
    db = deps.repos.packages.db
    logs = [r["logs"] for r in db.fetchall("SELECT logs FROM forge_runs WHERE job_id = %s", (job.id,))]
    rows = db.fetchall(
        "SELECT test_name, details::text AS details FROM plugin_contract_tests WHERE job_id = %s", (job.id,)
    )
    key = artifacts_layout.test_report(job.id)
    report = deps.artifacts.get(key).decode("utf-8", "replace") if deps.artifacts.exists(key) else ""
    return "\n".join([*logs, *(f"{r['test_name']} {r['details']}" for r in rows), report])


def test_planted_links_do_not_make_the_forge_overwrite_files_outside_the_sandbox(
    deps: PipelineDeps, new_job: Callable[[dict[str, bytes]], Job], spec: PluginSpec, tmp_path: Path
) -> None:
    """The forge never writes through a link the plugin's tests planted (contract.json, the sandbox/ folder)."""
    outside = _root_only(tmp_path)
    target = outside / "target"
    target.write_text("root's own content\n")
    target.chmod(0o600)
    drop = outside / "drop"
    drop.mkdir()
    php = PLANT + (
        f"@symlink( '{target}', $forge_dir . '/contract.json' );\n@symlink( '{drop}', $forge_dir . '/sandbox' );\n"
    )
    error = run_test_step(deps, new_job(plugin_with_bootstrap(spec, php)))
    assert target.read_text() == "root's own content\n"
    assert list(drop.iterdir()) == []
    # The forge's contract suites still ran on its own files, so the plugin passes as it would without the links.
    assert error is None, error


@pytest.mark.parametrize("what", ["a root-only file", "the forge's own environment"])
def test_planted_links_do_not_make_the_forge_read_files_outside_the_sandbox(
    deps: PipelineDeps, new_job: Callable[[dict[str, bytes]], Job], spec: PluginSpec, tmp_path: Path, what: str
) -> None:
    """The forge never reads through a link the plugin's tests planted in place of their JUnit report."""
    if what == "a root-only file":
        canary = f"CANARY-{uuid.uuid4()}"
        secret = _root_only(tmp_path) / "secret"
        secret.write_text(canary)
        secret.chmod(0o600)
        link_to, leaked = str(secret), canary
    else:
        link_to = "/proc/self/environ"
        # The forge process's environment as the kernel shows it (the database URL, the HSM PIN live there).
        leaked = max(Path("/proc/self/environ").read_bytes().split(b"\0"), key=len).decode("utf-8", "replace")
    php = PLANT + f"@unlink( $forge_dir . '/junit.xml' );\n@symlink( '{link_to}', $forge_dir . '/junit.xml' );\n"
    # Planted again when the suite ends too, in case the report is written after the bootstrap.
    php += "register_shutdown_function( static function () use ( $forge_dir ) {\n"
    php += f"  @unlink( $forge_dir . '/junit.xml' ); @symlink( '{link_to}', $forge_dir . '/junit.xml' );\n}} );\n"
    job = new_job(plugin_with_bootstrap(spec, php))
    run_test_step(deps, job)
    assert leaked not in _everything_recorded(deps, job)


def test_a_planted_fifo_does_not_hang_the_forge(
    deps: PipelineDeps,
    new_job: Callable[[dict[str, bytes]], Job],
    spec: PluginSpec,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A FIFO where the forge writes (contract.json) or reads must not block the forge's process."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))
    php = PLANT + "@posix_mkfifo( $forge_dir . '/contract.json', 0666 );\n"
    job = new_job(plugin_with_bootstrap(spec, php))
    finished = threading.Event()
    worker = threading.Thread(target=lambda: (run_test_step(deps, job), finished.set()), daemon=True)
    worker.start()
    worker.join(timeout=180)
    hung = not finished.is_set()
    if hung:  # release the forge's blocked write so the thread can end
        for fifo in work.rglob("contract.json"):
            if stat.S_ISFIFO(fifo.lstat().st_mode):
                os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        worker.join(timeout=60)
    assert not hung, "the Test step blocked on a FIFO the plugin planted"


def test_the_plugin_cannot_plant_bytecode_the_forge_would_load(
    deps: PipelineDeps, new_job: Callable[[dict[str, bytes]], Job], spec: PluginSpec
) -> None:
    """The launcher byte-compiles the forge beside its sources before an isolated interpreter starts
    (forge.isolation.bytecode), and the trusted side imports from that same cache. The plugin's tests try to replace a
    cached module and to add one: the library is bound read-only, so neither lands."""
    import forge
    import forge.isolation.bytecode

    forge.isolation.bytecode.compile_library()
    source = Path(forge.__file__).resolve().parent / "pipeline" / "bookkeeping.py"
    cached = Path(importlib.util.cache_from_source(str(source)))
    before = cached.read_bytes()
    planted = cached.with_name("planted.cpython-311.pyc")
    php = (
        f"@file_put_contents( '{cached}', 'planted' );\n"
        f"@file_put_contents( '{planted}', 'planted' );\n"
        f"@unlink( '{cached}' );\n"
    )
    error = run_test_step(deps, new_job(plugin_with_bootstrap(spec, php)))
    assert cached.read_bytes() == before
    assert not planted.exists()
    assert error is None, error
