"""bubblewrap isolation: no network, read-only system, private /tmp, limits enforced, forge state hidden."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from forge.isolation.bubblewrap import BubblewrapRunner
from forge.isolation.runner import Limits


@pytest.fixture
def runner(tmp_path: Path) -> BubblewrapRunner:
    (tmp_path / "plugin").mkdir()
    return BubblewrapRunner(tmp_path, with_python=True)


def test_no_network(runner: BubblewrapRunner, tmp_path: Path) -> None:
    code = (
        "import socket\ntry:\n socket.create_connection(('1.1.1.1', 80), timeout=2)\n"
        "except OSError as e:\n print('blocked', e.errno)"
    )
    done = runner.run([sys.executable, "-c", code], tmp_path)
    assert done.ok and done.stdout.startswith("blocked"), done.describe()
    php = runner.run(["php", "-r", "var_dump(@fsockopen('1.1.1.1', 80, $e, $s, 2));"], tmp_path)
    assert "bool(false)" in php.stdout, php.describe()


def test_system_is_read_only_and_workdir_writable(runner: BubblewrapRunner, tmp_path: Path) -> None:
    done = runner.run(["sh", "-c", "touch /usr/x 2>&1; echo ok > /sandbox/plugin/out.txt; id -u"], tmp_path)
    assert "Read-only file system" in done.stdout
    assert (tmp_path / "plugin" / "out.txt").read_text() == "ok\n"
    assert done.stdout.strip().endswith("65534")


def test_forge_state_and_home_are_not_visible(runner: BubblewrapRunner, tmp_path: Path) -> None:
    done = runner.run(["sh", "-c", "ls /root/.local 2>&1; ls /var/lib 2>&1; cat /etc/shadow 2>&1"], tmp_path)
    assert "No such file" in done.stdout


def test_tmp_is_private(runner: BubblewrapRunner, tmp_path: Path) -> None:
    Path("/tmp/forge-isolation-probe").write_text("host secret")
    try:
        done = runner.run(["sh", "-c", "cat /tmp/forge-isolation-probe 2>&1 || true"], tmp_path)
        assert "host secret" not in done.stdout
    finally:
        Path("/tmp/forge-isolation-probe").unlink()


def test_memory_cpu_and_wall_clock_limits(runner: BubblewrapRunner, tmp_path: Path) -> None:
    memory = runner.run(
        ["php", "-d", "memory_limit=-1", "-r", "$a = str_repeat('x', 400 * 1024 * 1024); echo 'allocated';"],
        tmp_path,
        Limits(memory_mb=200),
    )
    assert not memory.ok and "allocated" not in memory.stdout
    cpu = runner.run(["php", "-r", "while (true) {}"], tmp_path, Limits(cpu_seconds=1, wall_seconds=30))
    assert not cpu.ok and not cpu.timed_out and cpu.duration_ms < 20_000
    wall = runner.run(["sleep", "30"], tmp_path, Limits(wall_seconds=1))
    assert wall.timed_out and wall.duration_ms < 10_000
