"""A killed runtime leaves its container steps' work folders behind; the next runtime removes them at start, and only
those: a folder is removed once its maker's lock on it is free (the kernel frees it when the maker dies, however it
dies), never a live process's folder (another runtime's), a folder with no marker, a link, or another user's.
bench/faults.py and tests/chaos/ show it through a whole runtime killed inside Build, Test and Sandbox."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from forge.models.job import Step
from forge.pipeline.container.work_folders import MARKER, PREFIX, remove_orphaned, work_folder

ROOT = Path(__file__).resolve().parents[2]
# A process that takes a work folder, says where, and waits inside it until it is killed.
HOLDER = """
import sys, time
from pathlib import Path
from forge.models.job import Step
from forge.pipeline.container.work_folders import work_folder
with work_folder(Step.BUILD, Path(sys.argv[1])) as folder:
    (folder / "input").mkdir()
    print(folder, flush=True)
    time.sleep(600)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """A live process of its own (another runtime, as far as this one can tell) inside a work folder."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'layers'}:{ROOT}"},
    )
    assert proc.stdout is not None
    folder = Path(proc.stdout.readline().strip())
    assert folder.is_dir(), f"the holder made no folder: {folder}"
    yield proc, folder
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_a_killed_makers_folder_is_removed_and_a_live_ones_kept(
    holder: tuple[subprocess.Popen[str], Path], tmp_path: Path
) -> None:
    proc, folder = holder
    assert remove_orphaned(tmp_path) == [], "a live process's work folder was removed"
    assert folder.is_dir()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert folder.is_dir(), "SIGKILL runs no clean-up: the folder is left behind"
    assert remove_orphaned(tmp_path) == [folder]
    assert not folder.exists()


def test_this_processs_own_folder_in_use_is_kept(tmp_path: Path) -> None:
    """flock locks belong to the open file: a second open in the maker's own process cannot take its lock either."""
    with work_folder(Step.SANDBOX, tmp_path) as folder:
        assert remove_orphaned(tmp_path) == []
        assert folder.is_dir()
    assert not folder.exists(), "a step's folder outlived its step"


def test_folders_without_proof_of_a_dead_maker_are_left_alone(tmp_path: Path) -> None:
    """No marker (a maker between mkdtemp and its lock, or not the forge's), a link, another user's: kept."""
    bare = tmp_path / f"{PREFIX}build-bare"
    bare.mkdir()
    target = tmp_path / "someone-elses"
    target.mkdir()
    (target / MARKER).touch()
    (target / "precious").write_text("kept")
    (tmp_path / f"{PREFIX}test-link").symlink_to(target)
    others = tmp_path / f"{PREFIX}sandbox-others"
    others.mkdir()
    (others / MARKER).touch()
    os.chown(others, 65534, 65534)
    assert remove_orphaned(tmp_path) == []
    assert bare.is_dir()
    assert (target / "precious").read_text() == "kept"
    assert others.is_dir()
