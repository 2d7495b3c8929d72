"""The main process of a container step's Fargate task (functions/<step>/task.py runs this)."""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from forge.isolation.runner import NOBODY, Completed, Identity, Limits, run_bounded
from forge.models.job import Step
from forge.pipeline.container.reporter import execute_task
from forge.wiring import default_deps

# All the isolated half is told. Nothing else of the task's environment crosses over: it holds the task token, the
# ECS credentials URI (the task role's keys) and the database secret's ARN.
ISOLATED_BASE_ENV: dict[str, str] = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/tmp",
    "LANG": "C.UTF-8",
    "COMPOSER_HOME": "/tmp/composer",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
}
# Task settings the checks read (forge.pipeline.container.entrypoint.limits_from_env, forge.config), none secret.
ISOLATED_PASSTHROUGH = (
    "FORGE_TOOL_CPU_SECONDS",
    "FORGE_TOOL_MEMORY_MB",
    "FORGE_TOOL_WALL_SECONDS",
    "FORGE_WORDPRESS_BUILDS",
    "FORGE_ISOLATION",
)


def isolated_env(task_env: Mapping[str, str]) -> dict[str, str]:
    return {**ISOLATED_BASE_ENV, **{k: task_env[k] for k in ISOLATED_PASSTHROUGH if k in task_env}}


def hand_over(workdir: Path, identity: Identity) -> None:
    """Give the staged tree to the unprivileged child: it writes result.json and the tools write beside the plugin."""
    for root, dirs, files in os.walk(workdir):
        os.chown(root, identity.uid, identity.gid)
        for name in (*dirs, *files):
            os.chown(os.path.join(root, name), identity.uid, identity.gid, follow_symlinks=False)


def launch_unprivileged(
    entrypoint: Path, workdir: Path, task_env: Mapping[str, str], limits: Limits = Limits(), identity: Identity = NOBODY
) -> Completed:
    """Run the isolated half as `identity` with a cleared environment. Inside Fargate there is no bubblewrap (no
    user namespaces): the separate uid is what keeps plugin code away from this process's /proc/<pid>/environ and
    so from the task role's credentials."""
    hand_over(workdir, identity)
    argv = [sys.executable, str(entrypoint), str(workdir)]
    return run_bounded(argv, workdir, limits, isolated_env(task_env), drop_to=identity)


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


def run_task(step: Step, entrypoint: Path) -> None:
    """Stage, run `entrypoint` as an unprivileged child process (the Fargate task is the network boundary, the uid
    the credentials boundary), record the run, and answer Step Functions with the task token it was started with."""

    def launch(_step: Step, workdir: Path) -> Completed:
        return launch_unprivileged(entrypoint, workdir, os.environ)

    execute_task(default_deps(), step, {**os.environ, **task_identity()}, launch)
