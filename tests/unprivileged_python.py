"""An interpreter the unprivileged uid (65534) can run, for tests of the Fargate path on a development machine.

In the image the interpreter is /usr/local/bin/python, which any uid may run. A checkout's virtualenv may point at
an interpreter under a folder only root may enter (pyenv under /root): then the test gets a small virtualenv of
the system's python3 that loads this virtualenv's packages."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SYSTEM_PYTHON = Path("/usr/bin/python3")


def others_may_run(path: Path) -> bool:
    real = path.resolve()
    folders_open = all(p.stat().st_mode & stat.S_IXOTH for p in real.parents)
    return folders_open and bool(real.stat().st_mode & stat.S_IXOTH)


@pytest.fixture(scope="session")
def unprivileged_python() -> Iterator[str]:
    if others_may_run(Path(sys.executable)):
        yield sys.executable
        return
    assert SYSTEM_PYTHON.is_file(), f"{sys.executable} is not runnable by uid 65534 and there is no {SYSTEM_PYTHON}"
    folder = Path(tempfile.mkdtemp(prefix="forge-unprivileged-python-"))
    folder.chmod(0o755)
    venv = folder / "venv"
    subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", "--without-pip", str(venv)], check=True)
    site = sysconfig.get_paths()["purelib"]
    (next(venv.glob("lib/python3*/site-packages")) / "forge-checkout.pth").write_text(
        f"import site; site.addsitedir({site!r})\n"
    )
    yield str(venv / "bin" / "python")
    shutil.rmtree(folder, ignore_errors=True)
