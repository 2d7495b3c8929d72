"""Run a command as another local user (nobody, uid 65534), the way a second account on the machine would."""

from __future__ import annotations

import subprocess

NOBODY = 65534


def as_nobody(argv: list[str], timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        user=NOBODY,
        group=NOBODY,
        extra_groups=[],
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
        cwd="/",
        capture_output=True,
        text=True,
        timeout=timeout,
    )
