"""The main process of a container step's Fargate task (functions/<step>/task.py runs this)."""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path

from forge.isolation.runner import Completed, Limits, run_bounded
from forge.models.job import Step
from forge.pipeline.container.reporter import execute_task
from forge.wiring import default_deps


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
    """Stage, run `entrypoint` as a child process (the Fargate task is the isolation boundary), record the
    run, and answer Step Functions with the task token the task was started with."""

    def launch(_step: Step, workdir: Path) -> Completed:
        return run_bounded([sys.executable, str(entrypoint), str(workdir)], workdir, Limits(), dict(os.environ))

    execute_task(default_deps(), step, {**os.environ, **task_identity()}, launch)
