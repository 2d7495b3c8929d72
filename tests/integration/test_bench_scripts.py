"""Every benchmark script still loads and parses its options: they run by hand, not in CI, so a renamed function
they import would otherwise only show the next time someone measures (bench/load.py once imported a function
bench/pipeline.py no longer had)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from forge.paths import repo_root

SCRIPTS = sorted(p.name for p in (repo_root() / "bench").glob("*.py"))


def test_the_scripts_are_found() -> None:
    assert "pipeline.py" in SCRIPTS, SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_script_loads_and_shows_its_options(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(repo_root() / "bench" / script), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=repo_root(),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout
