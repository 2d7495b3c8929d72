"""What the tests that drive a container step's isolated half share: its entrypoint run in bubblewrap on an input
the test staged (`forge.pipeline.container.staging.stage`), as the local runtime launches it, and its report read
back from the pipe."""

from __future__ import annotations

from pathlib import Path

from forge.isolation.runner import Limits
from forge.models.job import Step
from forge.paths import function_dir
from forge.pipeline.container.local_launch import launch_in_bubblewrap
from forge.pipeline.container.report import CheckReport


def isolated_report(staged: Path, step: Step, wall_seconds: int, env: dict[str, str] | None = None) -> CheckReport:
    """The report of `step`'s isolated half on `staged`; the half itself must have run to its end and reported."""
    entrypoint = function_dir(step.value) / "entrypoint.py"
    done = launch_in_bubblewrap(entrypoint, staged, Limits(wall_seconds=wall_seconds), env)
    assert done.ok, done.describe()
    assert done.result, done.describe()
    return CheckReport.model_validate_json(done.result)
