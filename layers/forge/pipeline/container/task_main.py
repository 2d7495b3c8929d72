"""The main process of a container step's Fargate task (functions/<step>/task.py runs this)."""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from forge.config import get_settings
from forge.isolation.runner import NOBODY, Completed, Identity, Limits, ResultPipe, run_bounded, step_limits
from forge.models.job import Step
from forge.pipeline.container.interpreter_env import INTERPRETER_ENV
from forge.pipeline.container.report import MAX_RESULT_BYTES
from forge.pipeline.container.reporter import Launcher, execute_task
from forge.pipeline.deps import PipelineDeps
from forge.ports.workflow import WorkflowClient

# All the isolated half is told. Nothing else of the task's environment crosses over: it holds the task token, the
# ECS credentials URI (the task role's keys) and the database secret's ARN.
ISOLATED_BASE_ENV: dict[str, str] = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/tmp",  # noqa: S108 - the isolated half's own /tmp (a tmpfs in bubblewrap, the task's volume)
    "LANG": "C.UTF-8",
    "COMPOSER_HOME": "/tmp/composer",  # noqa: S108 - the same
    **INTERPRETER_ENV,
}
# Task settings the checks read (forge.pipeline.container.entrypoint.limits_from_env, forge.config), none secret.
ISOLATED_PASSTHROUGH = (
    "FORGE_TOOL_CPU_SECONDS",
    "FORGE_TOOL_MEMORY_MB",
    "FORGE_TOOL_WALL_SECONDS",
    "FORGE_TOOL_MAX_PROCESSES",
    "FORGE_TOOL_DISK_MB",
    "FORGE_WORDPRESS_BUILDS",
    "FORGE_ISOLATION",
)
WORK = "work"


def isolated_env(task_env: Mapping[str, str]) -> dict[str, str]:
    return {**ISOLATED_BASE_ENV, **{k: task_env[k] for k in ISOLATED_PASSTHROUGH if k in task_env}}


def _work_folder(staged: Path, identity: Identity) -> Path:
    """The only folder the unprivileged child may write: new, beside the staged input, owned by it. The staged
    input stays root's (readable, not writable), so the child cannot change what the reporter staged."""
    # The per-run folder the reporter made (0700): traversable by the child, not listable.
    os.chmod(staged.parent, 0o711)  # noqa: S103
    work = staged.parent / WORK
    work.mkdir(mode=0o700)
    os.chown(work, identity.uid, identity.gid)
    return work


def launch_unprivileged(
    entrypoint: Path,
    staged: Path,
    task_env: Mapping[str, str],
    limits: Limits = Limits(),
    identity: Identity = NOBODY,
    python: str = sys.executable,
) -> Completed:
    """Run the isolated half as `identity` with a cleared environment. Inside Fargate there is no bubblewrap (no
    user namespaces): the separate uid is what keeps plugin code away from this process's /proc/<pid>/environ and
    so from the task role's credentials. Its report comes back over a pipe, never through a file it could
    replace; RLIMIT_NPROC holds its processes (it binds an unprivileged uid)."""
    work = _work_folder(staged, identity)
    with ResultPipe(MAX_RESULT_BYTES) as pipe:
        argv = [python, str(entrypoint), str(staged), str(work), str(pipe.child_fd)]
        return run_bounded(argv, work, limits, isolated_env(task_env), drop_to=identity, result=pipe)


def fargate_launcher(entrypoint: Path, task_env: Mapping[str, str], python: str = sys.executable) -> Launcher:
    limits = step_limits(get_settings())

    def launch(_step: Step, staged: Path) -> Completed:
        return launch_unprivileged(entrypoint, staged, task_env, limits, python=python)

    return launch


def task_identity() -> dict[str, str]:
    """This task's ARN and cluster from the ECS task metadata endpoint (v4), so `cancel` can stop it."""
    base = os.environ.get("ECS_CONTAINER_METADATA_URI_V4")
    if not base:
        return {}
    try:
        with urllib.request.urlopen(f"{base}/task", timeout=2) as response:  # noqa: S310 - link-local ECS URL
            meta = json.load(response)
        return {"FORGE_TASK_ARN": meta["TaskARN"], "FORGE_CLUSTER": meta["Cluster"]}
    except (OSError, ValueError, KeyError):
        return {}  # without it the task still runs; only an early cancel cannot stop it


def run_task(
    step: Step,
    entrypoint: Path,
    deps: Callable[[], PipelineDeps],
    workflow: Callable[[], WorkflowClient],
) -> int:
    """Stage, run `entrypoint` as an unprivileged child process (the Fargate task is the network boundary, the uid
    the credentials boundary), record the run, and answer Step Functions with the task token it was started with.

    `workflow` builds the Step Functions client alone (no database), so that a task whose dependencies cannot be set
    up (the database secret unreadable) still reports why. Returns the process's exit status."""
    env = {**os.environ, **task_identity()}
    answered = execute_task(
        step,
        env,
        workflow(),
        deps,
        lambda: fargate_launcher(entrypoint, os.environ),
    )
    return 0 if answered else 1
