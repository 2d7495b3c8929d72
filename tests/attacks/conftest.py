"""Fixtures of the attack suite: a job whose generated plugin an attacker has edited, and the Test step run the way
the local runtime runs it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from forge.cms.woocommerce.platform import PLATFORM
from forge.local.runtime import LocalRuntime
from forge.models.job import Job, Step, StepEvent
from forge.models.spec import PluginSpec, load_spec
from forge.packaging.archive import zip_tree
from forge.pipeline import artifacts_layout
from forge.pipeline.deps import PipelineDeps
from tests.infra.conftest import synth  # noqa: F401 - the session's one synthesis, for the infra attacks
from tests.unprivileged_python import unprivileged_python  # noqa: F401 - fixture

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "woocommerce.yaml"
BOOTSTRAP = "tests/bootstrap.php"


@pytest.fixture
def spec() -> PluginSpec:
    return load_spec(EXAMPLE)


@pytest.fixture
def deps(forge_env: Path, softhsm: str) -> Iterator[PipelineDeps]:
    """The forge's real adapters on this test's database, FORGE_HOME and SoftHSM token."""
    from forge.wiring import default_deps, reset_deps

    reset_deps()
    yield default_deps()
    reset_deps()


def plugin_with_bootstrap(spec: PluginSpec, php: str) -> dict[str, bytes]:
    """The generated plugin, its PHPUnit bootstrap extended with `php`: tests/ never ships, so the Build gate's
    analyser does not look at it, and it runs with the plugin's own tests."""
    tree = dict(PLATFORM.render(spec))
    tree[BOOTSTRAP] = tree[BOOTSTRAP] + ("\n" + php + "\n").encode()
    return tree


@pytest.fixture
def new_job(deps: PipelineDeps, spec: PluginSpec) -> Callable[[dict[str, bytes]], Job]:
    def make(tree: dict[str, bytes]) -> Job:
        job, _ = deps.repos.jobs.create(spec, "attacker", None)
        deps.artifacts.put(artifacts_layout.source_zip(job.id), zip_tree(tree))
        return job

    return make


def run_test_step(deps: PipelineDeps, job: Job) -> str | None:
    """The Test step as the local runtime runs it (forge.local.aws_emulator: the trusted reporter here, the
    isolated half in bubblewrap); returns the error it failed with, or None."""
    from forge.errors import StepFailed
    from forge.isolation.runner import step_limits
    from forge.paths import function_dir
    from forge.pipeline.container.local_launch import launch_in_bubblewrap
    from forge.pipeline.container.reporter import run_container_step

    entrypoint = function_dir(Step.TEST.value) / "entrypoint.py"
    limits = step_limits(deps.settings)
    try:
        run_container_step(
            deps,
            Step.TEST,
            StepEvent(job_id=job.id, delivery="attack"),
            lambda _step, staged: launch_in_bubblewrap(entrypoint, staged, limits),
        )
    except StepFailed as exc:
        return str(exc)
    return None


@pytest.fixture(scope="module")
def runtime(
    tmp_path_factory: pytest.TempPathFactory, module_database: Callable[[], str], softhsm_token: dict[str, str]
) -> Iterator[LocalRuntime]:
    """A local runtime of the module's own (FORGE_HOME, database, SoftHSM token), for attacks on what it serves."""
    from tests.e2e.conftest import local_runtime

    with local_runtime(tmp_path_factory.mktemp("forge-home"), module_database(), **softhsm_token) as rt:
        yield rt
