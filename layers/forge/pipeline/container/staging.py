"""The staged input of a container step: what the trusted half writes before the isolated half starts, and the
only thing of the trusted half's the isolated half ever sees (read-only: /input in bubblewrap, a root-owned folder
in Fargate). Layout: `input.json` (the spec, the allowlist, what the platform staged), `plugin/` (the tree) and, when
the platform has one, `toolchain/` (its dependency cache: the isolated half has no network)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from forge.cms import get_platform
from forge.config import get_settings
from forge.isolation.staged_files import link_or_copy
from forge.models.spec import parse_spec
from forge.models.steps import Step
from forge.packaging.archive import write_tree

INPUT = "input.json"
PLUGIN = "plugin"
TOOLCHAIN = "toolchain"


def stage_toolchain(staged: Path, folder: Path) -> None:
    shutil.copytree(folder, staged / TOOLCHAIN, symlinks=False, copy_function=link_or_copy)


def read_input(staged: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((staged / INPUT).read_text())
    return data


def stage(staged: Path, spec_params: dict[str, Any], tree: dict[str, bytes], step: Step | None = None) -> None:
    """Write a step's input into `staged`, a folder no untrusted process has had."""
    staged.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    # The isolated half runs with a cleared environment: the trusted half hands it the allowlist.
    inp: dict[str, Any] = {"spec": spec_params, "allowed_hosts": sorted(settings.allowed_hosts)}
    platform = get_platform(parse_spec(spec_params).platform)
    if step is Step.SANDBOX and platform.stage_platform is not None:
        inp["site"] = platform.stage_platform(parse_spec(spec_params), staged)
    if step in (Step.BUILD, Step.TEST, Step.SANDBOX) and platform.toolchain is not None:
        stage_toolchain(staged, platform.toolchain.folder())
    (staged / INPUT).write_text(json.dumps(inp))
    write_tree(tree, staged / PLUGIN)
