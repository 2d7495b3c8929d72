"""What a container step's isolated half does not load at start: each step is a fresh interpreter in a fresh
sandbox (docs/benchmarks.md: its imports are most of a step's fixed cost), so it should pay only for what every
run of it uses. Loaded where used instead: the analyser's scanner in Build's check, Jinja where a plugin is
rendered, PyYAML where the provider document is read."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from forge.models.steps import Step
from forge.paths import function_dir, repo_root

NOT_AT_START = (
    "forge.models.job",  # the job and run models: the half names its step only (forge.models.steps)
    "forge.gates.scanner",  # every rule and the tree-sitter parsers: Build's check imports it when it scans
    "jinja2",  # forge.cms.rendering, where a plugin is rendered
    "yaml",  # forge.cms.provider_api.document, where the provider document is read
    "asyncio",  # brought by pydantic-settings and wrapt once; neither is the half's
)

PROBE = """
import importlib.util, json, pathlib, sys
spec = importlib.util.spec_from_file_location("isolated_half", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
import forge.cms
platforms = sorted(pathlib.Path(forge.cms.__file__).parent.glob("*/platform.py"))
assert platforms, "no platform found"
for folder in platforms:
    forge.cms.get_platform(folder.parent.name)
print(json.dumps([m for m in json.loads(sys.argv[2]) if m in sys.modules]))
"""


@pytest.mark.parametrize("step", [Step.BUILD, Step.TEST, Step.SANDBOX])
def test_the_isolated_half_loads_none_of_what_only_some_runs_use(step: Step) -> None:
    entrypoint = function_dir(step.value) / "entrypoint.py"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(entrypoint), json.dumps(NOT_AT_START)],
        capture_output=True,
        text=True,
        check=True,
        cwd=repo_root(),
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
