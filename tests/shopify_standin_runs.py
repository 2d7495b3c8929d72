"""What the Shopify stand-in's integration and attack tests share: the demo app rendered from examples/shopify.yaml
and built once (npm from the forge's offline cache, tsc), and a run of the stand-in in this process, optionally
with the app's environment weakened, so a test can watch a check fail when the app's defence is taken away."""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from forge.cms import get_platform, provider_api
from forge.cms.shopify.sandbox import harness, standin
from forge.models.spec import PluginSpec, load_spec
from forge.packaging.archive import write_tree

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "examples" / "shopify.yaml"
Weakening = Callable[[dict[str, str]], dict[str, str]]


def demo_spec() -> PluginSpec:
    return load_spec(DEMO)


def built_app(folder: Path, spec: PluginSpec) -> Path:
    """The rendered app with node_modules/ and dist/, from the platform's own install commands and npm cache."""
    platform = get_platform("shopify")
    app = folder / "plugin"
    write_tree(dict(platform.render(spec)), app)
    toolchain = platform.toolchain
    env = {**os.environ, **(toolchain.env(toolchain.folder()) if toolchain is not None else {})}
    for command in platform.install_commands():
        done = subprocess.run(list(command.argv), cwd=app, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{command.label}: {done.stderr[-2000:]}"
    return app


@dataclass(frozen=True)
class StandinRun:
    code: int
    checks: dict[str, bool]
    details: dict[str, str]
    stderr: str


def run_standin(app: Path, spec: PluginSpec, work: Path, weaken: Weakening | None = None) -> StandinRun:
    """The stand-in's main() in this process (it is standard-library Python), the fake provider beside it; with
    `weaken`, the app's environment passes through it first."""
    write_tree(provider_api.fake_files("provider"), work)
    argv = list(harness.standin_argv(spec, str(app)))[3:]
    argv[1] = str(work / "provider")
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as monkeypatch, redirect_stdout(out), redirect_stderr(err):
        if weaken is not None:
            original = standin._app_env
            monkeypatch.setattr(standin, "_app_env", lambda *args: weaken(original(*args)))
        code = standin.main(argv)
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    return StandinRun(
        code,
        {item["name"]: item["ok"] for item in lines},
        {item["name"]: item["detail"] for item in lines},
        err.getvalue(),
    )
