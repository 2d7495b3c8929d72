"""PHP lint of a model's tree, run through the isolation runner (the model's code is untrusted)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from forge.errors import ForgeError
from forge.generation import RunnerFactory
from forge.isolation.runner import Limits
from forge.packaging.archive import write_tree

LINT_LIMITS = Limits(cpu_seconds=30, memory_mb=256, wall_seconds=60)


def php_lint(tree: Mapping[str, bytes], runner_for: RunnerFactory) -> list[str]:
    """One problem per PHP file `php -l` refuses, with PHP's own message."""
    php_files = sorted(p for p in tree if p.endswith(".php"))
    if not php_files:
        return []
    if shutil.which("php") is None:
        # Loud, not skipped: an unlinted model answer must never pass as a linted one.
        raise ForgeError("php is not installed where Generate runs; the LLM providers need it to lint answers")
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="forge-lint-") as tmp:
        workdir = Path(tmp)
        write_tree(tree, workdir / "plugin")
        runner = runner_for(workdir)
        for path in php_files:
            # One file per call: `php -l` lints only its first argument before PHP 8.3.
            done = runner.run(("php", "-n", "-l", path), workdir / "plugin", LINT_LIMITS)
            if not done.ok:
                output = (done.stdout.strip() or done.stderr.strip()).splitlines()
                message = next((line for line in output if "error" in line.lower()), output[0] if output else "")
                problems.append(f"{path}: php -l failed: {message or f'exit {done.returncode}'}")
    return problems
