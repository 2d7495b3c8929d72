"""bubblewrap isolation: no network, read-only system, private /tmp, limits enforced, forge state hidden."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from forge.isolation.bubblewrap import BubblewrapRunner
from forge.isolation.runner import NOBODY, Limits, run_bounded
from forge.isolation.untrusted_files import read_untrusted
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
    assert done.ok, done.describe()
    assert done.stdout.startswith("blocked"), done.describe()
    php = runner.run(["php", "-r", "var_dump(@fsockopen('1.1.1.1', 80, $e, $s, 2));"], tmp_path)
    assert "bool(false)" in php.stdout, php.describe()


def test_system_and_staged_input_are_read_only_and_only_the_sandboxs_own_folders_writable(
    runner: BubblewrapRunner, tmp_path: Path
) -> None:
    # Changed with issue 11 (item 5): the staged folder is /input, read-only; the tool writes to its own /sandbox
    # and /tmp, which the host never sees.
    script = (
        "touch /usr/x 2>&1; touch /input/plugin/out.txt 2>&1; echo ok > /sandbox/out.txt; echo ok > /tmp/out.txt; "
        "cat /sandbox/out.txt /tmp/out.txt; id -u"
    )
    done = runner.run(["sh", "-c", script], tmp_path / "plugin")
    assert done.stdout.count("Read-only file system") == 2, done.describe()
    assert done.stdout.split()[-3:] == ["ok", "ok", "65534"]
    assert list((tmp_path / "plugin").iterdir()) == []


def test_forge_state_and_home_are_not_visible(runner: BubblewrapRunner, tmp_path: Path) -> None:
    done = runner.run(["sh", "-c", "ls /root/.local 2>&1; ls /var/lib 2>&1; cat /etc/shadow 2>&1"], tmp_path)
    assert "No such file" in done.stdout


def test_tmp_is_private(runner: BubblewrapRunner, tmp_path: Path) -> None:
    # A new file of this test's own in the host's /tmp (mkstemp: O_EXCL, a random name, mode 0600), not a fixed
    # name another user of the machine could have planted first.
    fd, name = tempfile.mkstemp(prefix="forge-isolation-probe-", dir="/tmp")
    probe = Path(name)
    try:
        os.write(fd, b"host secret")
        os.close(fd)
        done = runner.run(["sh", "-c", f"cat {probe} 2>&1 || true"], tmp_path)
        assert "host secret" not in done.stdout
    finally:
        probe.unlink()


def test_memory_cpu_and_wall_clock_limits(runner: BubblewrapRunner, tmp_path: Path) -> None:
    memory = runner.run(
        ["php", "-d", "memory_limit=-1", "-r", "$a = str_repeat('x', 400 * 1024 * 1024); echo 'allocated';"],
        tmp_path,
        Limits(memory_mb=200),
    )
    assert not memory.ok
    assert "allocated" not in memory.stdout
    cpu = runner.run(["php", "-r", "while (true) {}"], tmp_path, Limits(cpu_seconds=1, wall_seconds=30))
    assert not cpu.ok
    assert not cpu.timed_out
    assert cpu.duration_ms < 20_000
    wall = runner.run(["sleep", "30"], tmp_path, Limits(wall_seconds=1))
    assert wall.timed_out
    assert wall.duration_ms < 10_000


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
def writable(path):
    try:
        with open(os.path.join(path, 'probe'), 'w'):
            return True
    except OSError:
        return False
status = dict(line.split(':\\t', 1) for line in open('/proc/self/status').read().splitlines() if ':\\t' in line)
# A PHP tool one level further down tries the same.
php = subprocess.run(
    ['php', '-r', 'echo @file_get_contents("/proc/" . $argv[1] . "/environ") === false ? "denied" : "read";',
     str(reporter)],
    capture_output=True, text=True,
)
staged, work, result = sys.argv[1:4]
out = {
    'uid': os.getuid(), 'euid': os.geteuid(), 'gid': os.getgid(), 'groups': os.getgroups(),
    'cap_eff': status['CapEff'].strip(), 'cap_prm': status['CapPrm'].strip(),
    'no_new_privs': status['NoNewPrivs'].strip(),
    'reporter_environ': read('/proc/%d/environ' % reporter),
    'php_reporter_environ': php.stdout.strip() or php.stderr.strip(),
    'env': dict(os.environ),
    'staged_writable': writable(staged), 'work_writable': writable(work),
}
with os.fdopen(int(result), 'w') as f:
    json.dump(out, f)
"""


@pytest.fixture
def container_dirs() -> Iterator[tuple[Path, Path]]:
    """An entrypoint and a root-owned staged input laid out as in the image: in a per-run folder under /work (the
    reporter's TemporaryDirectory, 0700), beside which the launcher makes the child's work folder."""
    with tempfile.TemporaryDirectory(prefix="forge-container-") as tmp:
        base = Path(tmp)
        base.chmod(0o711)
        entrypoint = base / "entrypoint.py"
        entrypoint.write_text(_PROBE)
        entrypoint.chmod(0o644)
        run = base / "run"
        run.mkdir(mode=0o700)
        staged = run / "input"
        staged.mkdir()
        (staged / "plugin").mkdir()
        yield entrypoint, staged


def test_container_child_drops_to_nobody_and_cannot_read_the_reporters_environment(
    container_dirs: tuple[Path, Path], unprivileged_python: str
) -> None:
    entrypoint, staged = container_dirs
    assert os.geteuid() == 0, "the Fargate reporter runs as root, and so must this test"
    secrets = {
        "FORGE_TASK_TOKEN": "token-must-not-leak",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/must-not-leak",
        "FORGE_DATABASE_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:db",
    }
    task_env = {**os.environ, **secrets, "FORGE_TOOL_CPU_SECONDS": "60"}
    done = launch_unprivileged(entrypoint, staged, task_env, Limits(wall_seconds=60), python=unprivileged_python)
    assert done.ok, done.describe()
    assert done.result, done.describe()
    seen = json.loads(done.result)
    assert (seen["uid"], seen["euid"], seen["gid"], seen["groups"]) == (65534, 65534, 65534, [])
    assert seen["cap_eff"] == seen["cap_prm"] == "0000000000000000"
    assert seen["no_new_privs"] == "1"
    assert seen["reporter_environ"].startswith("denied"), seen
    assert seen["php_reporter_environ"] == "denied", seen
    assert not {k for k in seen["env"] if k.startswith("AWS_") or k in secrets}, seen["env"]
    assert seen["env"]["FORGE_TOOL_CPU_SECONDS"] == "60"
    # The staged input stays the reporter's; the child writes only its own work folder.
    assert (seen["staged_writable"], seen["work_writable"]) == (False, True)
    assert (staged.parent / "work" / "probe").stat().st_uid == 65534


def test_dropped_child_cannot_read_root_only_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("root only")
    secret.chmod(0o600)
    done = run_bounded(["cat", str(secret)], None, Limits(wall_seconds=30), {"PATH": "/usr/bin:/bin"}, drop_to=NOBODY)
    assert not done.ok, done.describe()
    assert "root only" not in done.stdout, done.describe()


def test_untrusted_files_are_read_without_following_links_or_waiting_on_fifos(tmp_path: Path) -> None:
    (tmp_path / "result.json").symlink_to("/proc/self/environ")
    assert read_untrusted(tmp_path / "result.json", 1024) is None
    os.mkfifo(tmp_path / "fifo")
    assert read_untrusted(tmp_path / "fifo", 1024) is None
    (tmp_path / "real.json").write_text("{}" * 100)
    assert read_untrusted(tmp_path / "real.json", 1024) == b"{}" * 100
    assert read_untrusted(tmp_path / "real.json", 10) == b"{}" * 5


@pytest.mark.parametrize("step", ["build", "test"])
def test_real_checks_run_as_nobody_through_the_container_path(
    container_dirs: tuple[Path, Path], unprivileged_python: str, step: str
) -> None:
    """The real isolated half (functions/<step>/entrypoint.py) works with the dropped uid and the cleared env."""
    from forge.cms.woocommerce.platform import PLATFORM
    from forge.models.spec import load_spec
    from forge.pipeline.container.report import CheckReport
    from forge.pipeline.container.staging import stage

    repo = Path(__file__).resolve().parents[2]
    _, staged = container_dirs
    spec = load_spec(repo / "examples" / "woocommerce.yaml")
    stage(staged, spec.model_dump(mode="json"), dict(PLATFORM.render(spec)))
    entrypoint = repo / "functions" / step / "entrypoint.py"
    done = launch_unprivileged(
        entrypoint, staged, {"FORGE_TASK_TOKEN": "secret"}, Limits(wall_seconds=300), python=unprivileged_python
    )
    assert done.ok, done.describe()
    assert done.result, done.describe()
    report = CheckReport.model_validate_json(done.result)
    assert report.ok, report.log
    assert "scan: 0 error(s)" in report.summary if step == "build" else "tests passed" in report.summary


_CHECKOUT_DRIVER = """
import json, sys
from pathlib import Path
from forge.isolation.bubblewrap import BubblewrapRunner

workdir, functions = Path(sys.argv[1]), sys.argv[2]
runner = BubblewrapRunner(workdir, with_python=True, extra_ro=(functions,))
probe = "import sys; print(sys.prefix); print(open(sys.argv[1]).read())"
done = runner.run([sys.executable, "-c", probe, functions + "/marker"], workdir)
print(json.dumps({"ok": done.ok, "out": done.stdout, "log": done.describe()}))
"""


def test_a_checkout_and_virtualenv_under_tmp_work_in_the_sandbox(tmp_path: Path) -> None:
    """A clone under /tmp (its virtualenv and functions/ there too) runs its tools in bubblewrap: the sandbox's own
    /tmp is mounted before the interpreter and the checkout's folders are bound on top of it."""
    import sysconfig

    assert str(tmp_path).startswith("/tmp/")  # noqa: S108 - where pytest made it
    venv = tmp_path / "clone" / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = sysconfig.get_paths()["purelib"]
    (next(venv.glob("lib/python3*/site-packages")) / "checkout.pth").write_text(
        f"import site; site.addsitedir({site!r})\n"
    )
    functions = tmp_path / "clone" / "functions"
    functions.mkdir()
    (functions / "marker").write_text("functions under /tmp")
    workdir = tmp_path / "work"
    workdir.mkdir()
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", _CHECKOUT_DRIVER, str(workdir), str(functions)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["ok"], seen["log"]
    assert seen["out"].splitlines() == [str(venv), "functions under /tmp"]


def test_output_is_read_with_a_bound_and_a_leftover_holding_the_pipes_does_not_block(tmp_path: Path) -> None:
    """10 MB on stdout costs the launcher 256 KB; a daemon that keeps stdout open does not hold the run."""
    from forge.isolation.runner import MAX_OUTPUT_BYTES

    script = "head -c 10000000 /dev/zero | tr '\\0' x; setsid sleep 60 & exit 0"
    done = run_bounded(["sh", "-c", script], tmp_path, Limits(wall_seconds=30), {"PATH": "/usr/bin:/bin"})
    assert done.ok, done.describe()
    assert not done.timed_out, done.describe()
    assert done.duration_ms < 15_000
    assert done.stdout.startswith("x" * 1000)
    assert "output truncated" in done.stdout
    assert len(done.stdout) < MAX_OUTPUT_BYTES + 100


def test_a_result_pipe_carries_at_most_its_limit(tmp_path: Path) -> None:
    from forge.isolation.runner import ResultPipe

    writer = "import os, sys; os.write(int(sys.argv[1]), b'r' * 200000)"
    with ResultPipe(1000) as pipe:
        argv = [sys.executable, "-c", writer, str(pipe.child_fd)]
        done = run_bounded(argv, tmp_path, Limits(wall_seconds=30), {"PATH": "/usr/bin:/bin"}, result=pipe)
    assert done.ok, done.describe()
    assert done.result == b"r" * 1000


_SUBREAPER_DRIVER = """
import json, os, sys
from pathlib import Path
from forge.isolation.leftovers import guard_isolated_half
from forge.isolation.runner import SubprocessRunner

guard_isolated_half()
done = SubprocessRunner().run(["sh", "-c", "setsid sleep 60 > /dev/null 2>&1 & echo $!"], Path.cwd())
left = int(done.stdout.split()[-1])
print(json.dumps({"left": left, "alive": Path(f"/proc/{left}").exists()}))
"""


def test_the_isolated_half_ends_what_a_tool_left_running() -> None:
    """A tool's background process (even one in its own session) does not survive into the next phase."""
    done = subprocess.run([sys.executable, "-c", _SUBREAPER_DRIVER], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["alive"] is False, seen
