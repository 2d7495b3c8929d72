"""Untrusted code in the sandbox cannot exhaust the host: its process count and the disk it writes are bounded.

Bounded even before the limits existed: the fork bomb stops at 2000 sleeping processes and the disk filler at 2 GB,
so the test machine survives a run against code without the limits."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from forge.isolation.bubblewrap import BubblewrapRunner
from forge.isolation.runner import Limits

ATTEMPTS = 2000
# Start sleepers until the kernel refuses (the shell gives up at the first fork it cannot make); one line each.
FORK_BOMB = f"n=0; while [ $n -lt {ATTEMPTS} ]; do sleep 30 & echo started; n=$((n+1)); done"
# Write 2 GB; print how many MB landed.
FILL = "dd if=/dev/zero of={path} bs=1M count=2048 2>/dev/null; du -m {path} | cut -f1; rm -f {path}"


def test_a_fork_bomb_in_the_sandbox_is_capped(tmp_path: Path) -> None:
    """No more processes than Limits.max_processes start in a bubblewrap sandbox, whoever launches it."""
    limits = Limits(wall_seconds=120)
    done = BubblewrapRunner(tmp_path).run(["sh", "-c", FORK_BOMB], tmp_path, limits)
    started = done.stdout.split().count("started")
    assert started <= limits.max_processes, f"{started} processes started in the sandbox"
    assert started >= limits.max_processes // 2, done.describe()  # the limit stopped it, not a broken sandbox


def test_the_sandbox_cannot_fill_the_disk(tmp_path: Path) -> None:
    """The folders a sandboxed tool may write (its work folder, /tmp) hold at most Limits.disk_mb each."""
    limits = Limits(wall_seconds=180)
    script = "; ".join(FILL.format(path=p) for p in ("/sandbox/fill", "/tmp/fill"))  # noqa: S108 - the sandbox's /tmp
    try:
        done = BubblewrapRunner(tmp_path).run(["sh", "-c", script], tmp_path, limits)
    finally:
        (tmp_path / "fill").unlink(missing_ok=True)  # before the limit, /sandbox was this folder
    written = [int(n) for n in done.stdout.split()]
    assert len(written) == 2, done.describe()
    assert max(written) < 2048, f"the whole 2 GB landed: MB written to /sandbox, /tmp: {written}"
    assert max(written) <= limits.disk_mb, f"MB written to /sandbox, /tmp: {written}"


# Without a pid namespace nothing ends the sleepers but the bomb itself: it does, so they do not count against the
# next test's processes of the same uid.
_FARGATE_BOMB = f"""
import json, subprocess, sys
sleepers = []
for _ in range({ATTEMPTS}):
    try:
        sleepers.append(subprocess.Popen(['sleep', '30']))
    except OSError:
        break
for sleeper in sleepers:
    sleeper.kill()
    sleeper.wait()
json.dump({{'started': len(sleepers)}}, sys.stdout)
"""


def test_a_fork_bomb_in_the_fargate_child_is_capped(unprivileged_python: str) -> None:
    """In Fargate (no bubblewrap) the unprivileged child is held to Limits.max_processes by RLIMIT_NPROC."""
    from forge.isolation.runner import NOBODY, run_bounded

    limits = Limits(wall_seconds=120)
    with tempfile.TemporaryDirectory(prefix="forge-bomb-") as tmp:
        folder = Path(tmp)
        folder.chmod(0o755)
        (folder / "bomb.py").write_text(_FARGATE_BOMB)
        argv = [unprivileged_python, str(folder / "bomb.py")]
        done = run_bounded(argv, folder, limits, {"PATH": "/usr/bin:/bin"}, drop_to=NOBODY)
    assert done.stdout, done.describe()
    started = json.loads(done.stdout)["started"]
    assert started < limits.max_processes, f"{started} processes started as the unprivileged child"
    assert started >= limits.max_processes // 2, done.describe()
