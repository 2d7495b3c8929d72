"""bubblewrap isolation: no network, read-only system, private /tmp, limits enforced, forge state hidden."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from forge.isolation.bubblewrap import BubblewrapRunner
from forge.isolation.runner import NOBODY, Limits, run_bounded
from forge.pipeline.container.reporter import read_result
from forge.pipeline.container.task_main import launch_unprivileged


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


# The Fargate path: no bubblewrap inside the container, so the isolated half runs as another uid instead.

_PROBE = """
import json, os, subprocess, sys
reporter = os.getppid()
def read(path):
    try:
        with open(path, 'rb') as f:
            return 'read ' + str(len(f.read())) + ' bytes'
    except OSError as e:
        return 'denied ' + str(e.errno)
status = dict(line.split(':\\t', 1) for line in open('/proc/self/status').read().splitlines() if ':\\t' in line)
# A PHP tool one level further down tries the same.
php = subprocess.run(
    ['php', '-r', 'echo @file_get_contents("/proc/" . $argv[1] . "/environ") === false ? "denied" : "read";',
     str(reporter)],
    capture_output=True, text=True,
)
out = {
    'uid': os.getuid(), 'euid': os.geteuid(), 'gid': os.getgid(), 'groups': os.getgroups(),
    'cap_eff': status['CapEff'].strip(), 'cap_prm': status['CapPrm'].strip(),
    'no_new_privs': status['NoNewPrivs'].strip(),
    'reporter_environ': read('/proc/%d/environ' % reporter),
    'php_reporter_environ': php.stdout.strip() or php.stderr.strip(),
    'env': dict(os.environ),
}
with open(os.path.join(sys.argv[1], 'result.json'), 'w') as f:
    json.dump(out, f)
"""


@pytest.fixture
def container_dirs() -> Iterator[tuple[Path, Path]]:
    """An entrypoint and a root-owned 0700 workdir laid out as in the image: under folders others may traverse
    (/opt/forge, /work) but not list or write."""
    with tempfile.TemporaryDirectory(prefix="forge-container-") as tmp:
        base = Path(tmp)
        base.chmod(0o711)
        entrypoint = base / "entrypoint.py"
        entrypoint.write_text(_PROBE)
        entrypoint.chmod(0o644)
        workdir = base / "work"
        workdir.mkdir(mode=0o700)
        (workdir / "plugin").mkdir()
        yield entrypoint, workdir


def test_container_child_drops_to_nobody_and_cannot_read_the_reporters_environment(
    container_dirs: tuple[Path, Path],
) -> None:
    entrypoint, workdir = container_dirs
    assert os.geteuid() == 0, "the Fargate reporter runs as root, and so must this test"
    secrets = {
        "FORGE_TASK_TOKEN": "token-must-not-leak",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/must-not-leak",
        "FORGE_DATABASE_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:db",
    }
    task_env = {**os.environ, **secrets, "FORGE_TOOL_CPU_SECONDS": "60"}
    done = launch_unprivileged(entrypoint, workdir, task_env, Limits(wall_seconds=60))
    assert done.ok, done.describe()
    seen = json.loads((workdir / "result.json").read_text())
    assert (seen["uid"], seen["euid"], seen["gid"], seen["groups"]) == (65534, 65534, 65534, [])
    assert seen["cap_eff"] == seen["cap_prm"] == "0000000000000000"
    assert seen["no_new_privs"] == "1"
    assert seen["reporter_environ"].startswith("denied"), seen
    assert seen["php_reporter_environ"] == "denied", seen
    assert not {k for k in seen["env"] if k.startswith("AWS_") or k in secrets}, seen["env"]
    assert seen["env"]["FORGE_TOOL_CPU_SECONDS"] == "60"
    assert (workdir / "result.json").stat().st_uid == 65534


def test_dropped_child_cannot_read_root_only_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("root only")
    secret.chmod(0o600)
    done = run_bounded(["cat", str(secret)], None, Limits(wall_seconds=30), {"PATH": "/usr/bin:/bin"}, drop_to=NOBODY)
    assert not done.ok and "root only" not in done.stdout, done.describe()


def test_reporter_ignores_a_result_symlink_planted_by_the_child(tmp_path: Path) -> None:
    (tmp_path / "result.json").symlink_to("/proc/self/environ")
    assert read_result(tmp_path / "result.json") is None
    (tmp_path / "real.json").write_text("{}")
    assert read_result(tmp_path / "real.json") == b"{}"


def test_real_build_checks_run_as_nobody_through_the_container_path(container_dirs: tuple[Path, Path]) -> None:
    """The real isolated half (functions/build/entrypoint.py) works with the dropped uid and the cleared env."""
    from forge.cms.woocommerce.platform import PLATFORM
    from forge.models.spec import load_spec
    from forge.pipeline.container.checks import RESULT, CheckReport, stage

    repo = Path(__file__).resolve().parents[2]
    _, workdir = container_dirs
    spec = load_spec(repo / "examples" / "woocommerce.yaml")
    stage(workdir, spec.model_dump(mode="json"), dict(PLATFORM.render(spec)))
    entrypoint = repo / "functions" / "build" / "entrypoint.py"
    done = launch_unprivileged(entrypoint, workdir, {"FORGE_TASK_TOKEN": "secret"}, Limits(wall_seconds=300))
    assert done.ok, done.describe()
    report = CheckReport.model_validate_json((workdir / RESULT).read_text())
    assert report.ok, report.log
    assert "scan: 0 error(s)" in report.summary
