"""Plugin code never runs where the forge's credentials are in reach.

In AWS the Test step ran the plugin's PHPUnit suite inside a Lambda, as the same uid as the function, which can read
the function's credentials from /proc/<pid>/environ. The Test step must run like Build and Sandbox: a Fargate task
whose trusted reporter holds the credentials and whose untrusted half runs as uid 65534 with a cleared
environment."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from forge.models.job import Job
from forge.models.spec import PluginSpec
from forge.pipeline.deps import PipelineDeps
from forge.workflow.definition import states
from tests.attacks.conftest import REPO, plugin_with_bootstrap
from tests.attacks.test_sandbox_escape import _everything_recorded
from tests.infra.synthesis import Synth

# The plugin's tests read every environment they can see and print it where the forge keeps logs.
SNOOP = """
$forge_seen = '';
$forge_files = array( '/proc/' . posix_getppid() . '/environ', '/proc/1/environ' );
$forge_files = array_merge( $forge_files, glob( '/proc/[0-9]*/environ' ) );
foreach ( $forge_files as $forge_file ) {
  $forge_seen .= $forge_file . ': ' . str_replace( "\\0", ' ', (string) @file_get_contents( $forge_file ) ) . "\\n";
}
fwrite( STDERR, $forge_seen );
"""

# How AWS runs the Test step (functions/test/task.py), as a process of its own whose environment holds the secrets:
# the trusted reporter, with the isolated half as an unprivileged child.
REPORTER = """
import os, sys
from pathlib import Path
from uuid import UUID
from forge.errors import StepFailed
from forge.models.job import Step, StepEvent
from forge.pipeline.container.reporter import run_container_step
from forge.pipeline.container.task_main import fargate_launcher
from forge.wiring import default_deps

entrypoint = Path("functions/test/entrypoint.py").resolve()
launch = fargate_launcher(entrypoint, os.environ, python=os.environ["FORGE_UNPRIVILEGED_PYTHON"])
try:
    run_container_step(default_deps(), Step.TEST, StepEvent(job_id=UUID(sys.argv[1]), delivery="attack"), launch)
except StepFailed as exc:
    print("step failed:", exc)
"""


def test_no_lambda_runs_plugin_code(synth: Synth) -> None:
    """The Test state starts an ECS task; no Lambda function carries php (an image) or runs tools unisolated."""
    assert states()["Test"]["Resource"] == "arn:aws:states:::ecs:runTask.waitForTaskToken"
    for logical_id, function in synth.of_type("AWS::Lambda::Function").items():
        props = function["Properties"]
        assert props.get("PackageType") != "Image", f"{logical_id} is a container image Lambda"
        variables = props.get("Environment", {}).get("Variables", {})
        assert variables.get("FORGE_ISOLATION") != "none", f"{logical_id} may run untrusted tools unisolated"


def test_the_plugins_tests_cannot_read_the_reporters_credentials(
    deps: PipelineDeps,
    new_job: Callable[[dict[str, bytes]], Job],
    spec: PluginSpec,
    forge_env: Path,
    unprivileged_python: str,
) -> None:
    """The Test step's untrusted half cannot read the environment of the process holding the task's credentials."""
    secrets = {
        "AWS_SECRET_ACCESS_KEY": f"canary-key-{uuid.uuid4()}",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": f"/v2/credentials/canary-{uuid.uuid4()}",
        "FORGE_TASK_TOKEN": f"canary-token-{uuid.uuid4()}",
    }
    job = new_job(plugin_with_bootstrap(spec, SNOOP))
    env = {
        "PATH": os.environ["PATH"],
        "FORGE_HOME": str(forge_env),
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "FORGE_ISOLATION": "none",
        "FORGE_UNPRIVILEGED_PYTHON": unprivileged_python,
        **secrets,
    }
    done = subprocess.run(
        [sys.executable, "-c", REPORTER, str(job.id)], env=env, cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    recorded = _everything_recorded(deps, job)
    assert "/proc/1/environ" in recorded, "the plugin's probe did not run"
    for name, value in secrets.items():
        assert value not in recorded, f"the plugin's tests read {name}"
