"""Creating the local SoftHSM token never shows its PINs to other local users: no PIN in any process's command
line (world-readable /proc/<pid>/cmdline, `ps`) nor in the environment of a process the forge starts."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from forge.signing.softhsm import prepare_softhsm

# What `ps` shows any user: every process's command line, sampled as fast as it can until told to stop.
WATCHER = textwrap.dedent("""
    import os, sys
    seen, stop, sweeps = set(), sys.argv[1], 0
    while not os.path.exists(stop):
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        seen.add(f.read().replace(b"\\0", b" ").decode(errors="replace"))
                except OSError:
                    pass
        sweeps += 1
        if sweeps == 1:
            print("watching", flush=True)
    print("\\n".join(sorted(seen)))
""")


def wrapped_softhsm_util(folder: Path, log: Path) -> None:
    """A softhsm2-util first on PATH that records its arguments and environment, then runs the real one."""
    real = shutil.which("softhsm2-util")
    assert real, "softhsm2-util is installed by the bootstrap"
    folder.mkdir()
    script = folder / "softhsm2-util"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "argv: $*" >> {log}\nenv >> {log}\nexec {real} "$@"\n')
    script.chmod(0o755)


@pytest.fixture(autouse=True)
def keep_softhsm_conf() -> Iterator[None]:
    """prepare_softhsm points this process at its token folder; give the session's back afterwards."""
    saved = os.environ.get("SOFTHSM2_CONF")
    yield
    if saved is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = saved


def test_token_creation_shows_no_pin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "softhsm2-util.log"
    log.touch()
    wrapped_softhsm_util(tmp_path / "bin", log)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    stop = tmp_path / "stop"
    watcher = subprocess.Popen([sys.executable, "-c", WATCHER, str(stop)], stdout=subprocess.PIPE, text=True)
    try:
        assert watcher.stdout is not None
        assert watcher.stdout.readline() == "watching\n"
        pin = prepare_softhsm(tmp_path / "softhsm", "attack-token")
    finally:
        stop.touch()
        seen, _ = watcher.communicate(timeout=30)
    recorded = log.read_text()
    assert pin not in recorded, "a PIN reached softhsm2-util's argv or environment"
    # Whole options only: other processes' `--ping` (esbuild's service) is not a PIN option.
    option = re.compile(r"(?:^| )--(?:so-)?pin(?:[= ]|$)")
    leaking = [line for line in seen.splitlines() if pin in line or option.search(line)]
    assert leaking == [], f"a PIN was visible in a command line: {leaking}"

    # The token exists and opens with the PIN (checked in a process of its own: the module reads its
    # configuration once per process).
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys, pkcs11; a = json.loads(sys.stdin.read()); "
            "pkcs11.lib(a['module']).get_token(token_label='attack-token').open(user_pin=a['pin']).close()",
        ],
        input=json.dumps({"module": "/usr/lib/softhsm/libsofthsm2.so", "pin": pin}),
        env={**os.environ, "SOFTHSM2_CONF": str(tmp_path / "softhsm" / "softhsm2.conf")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stderr
    # A second call finds the token and keeps the PIN.
    assert prepare_softhsm(tmp_path / "softhsm", "attack-token") == pin
