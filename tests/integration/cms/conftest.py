"""The Shopify demo app (examples/shopify.yaml, as generated) through each gate's step once per session: the
platform's tests and the stand-in's tests both read the genuine Test and Sandbox steps' reports, and each of those
steps installs and compiles the app (npm, tsc) in bubblewrap, 15-20 s a run. Tests that change the app run their
own step."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from forge.cms import get_platform
from forge.models.job import Step
from forge.pipeline.container.report import CheckReport
from forge.pipeline.container.staging import TOOLCHAIN, stage
from tests.isolated_step import isolated_report
from tests.shopify_standin_runs import demo_spec

GenuineStep = Callable[[Step], CheckReport]


@pytest.fixture(scope="session")
def shopify_genuine_step(tmp_path_factory: pytest.TempPathFactory) -> GenuineStep:
    """The report of `step` run on the generated demo app, as the local runtime runs it; run on first use."""
    reports: dict[Step, CheckReport] = {}

    def run(step: Step) -> CheckReport:
        if step not in reports:
            spec = demo_spec()
            staged = tmp_path_factory.mktemp(f"shopify-{step.value}") / "input"
            stage(staged, spec.model_dump(mode="json"), dict(get_platform("shopify").render(spec)), step)
            assert (staged / TOOLCHAIN).is_dir()
            reports[step] = isolated_report(staged, step, wall_seconds=900)
        # A copy: a test may not change what another reads.
        return reports[step].model_copy(deep=True)

    return run
