"""Lambda Invoke and ECS RunTask on loopback, dispatching to the very same functions/ entry points.

moto's Step Functions engine calls these through boto3 (AWS_ENDPOINT_URL_LAMBDA / _ECS point here):
- Lambda Invoke runs `functions/<name>/handler.py:handler` in this process;
- ECS RunTask runs the container step's reporter here and its isolated half (`functions/<step>/entrypoint.py`)
  inside bubblewrap with no network; the reporter then answers Step Functions with the task token.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import signal
import subprocess
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote

from forge.isolation.runner import Completed, Limits
from forge.models.job import Step
from forge.observability import logger
from forge.paths import function_dir
from forge.pipeline.container.local_launch import launch_in_bubblewrap
from forge.pipeline.container.reporter import execute_task
from forge.pipeline.deps import PipelineDeps

REGION = "us-east-1"
ACCOUNT = "123456789012"
FUNCTION_PREFIX = "forge-"
CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/forge-local"
CONTAINER_STEPS = {"build": Step.BUILD, "test": Step.TEST, "sandbox": Step.SANDBOX}


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION_PREFIX}{name}"


def task_definition_arn(step: str) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{FUNCTION_PREFIX}{step}:1"


@dataclass
class LambdaContext:
    """The attributes Powertools reads from a real Lambda context."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 1024
    function_version: str = "$LATEST"
    log_group_name: str = "local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


@dataclass
class LocalTask:
    arn: str
    step: Step
    env: dict[str, str]
    status: str = "PROVISIONING"
    process: subprocess.Popen[bytes] | None = None
    stopped: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "taskArn": self.arn,
            "clusterArn": CLUSTER_ARN,
            "lastStatus": self.status,
            "desiredStatus": "STOPPED" if self.status == "STOPPED" else "RUNNING",
            "taskDefinitionArn": task_definition_arn(self.step.value),
            "launchType": "FARGATE",
            "containers": [{"name": self.step.value, "lastStatus": self.status}],
        }


class AwsEmulator:
    def __init__(self, deps: Callable[[], PipelineDeps], concurrency: int, limits: Limits) -> None:
        self._deps = deps
        self._limits = limits
        self._slots = threading.BoundedSemaphore(concurrency)
        self._modules: dict[str, ModuleType] = {}
        self._modules_lock = threading.Lock()
        self._tasks: dict[str, LocalTask] = {}
        self._tasks_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="aws-emulator", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._tasks_lock:
            tasks = list(self._tasks.values())
        for task in tasks:
            self._kill(task)
        self._server.shutdown()
        self._server.server_close()

    # Lambda -----------------------------------------------------------------------------------------

    def _module(self, name: str) -> ModuleType:
        with self._modules_lock:
            if name not in self._modules:
                path = function_dir(name) / "handler.py"
                spec = importlib.util.spec_from_file_location(f"forge_function_{name}", path)
                assert spec and spec.loader
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                self._modules[name] = module
            return self._modules[name]

    def invoke(self, function: str, payload: bytes) -> tuple[int, dict[str, str], bytes]:
        name = function.rsplit(":", 1)[-1].removeprefix(FUNCTION_PREFIX)
        try:
            module = self._module(name)
        except Exception as exc:
            body = {"Type": "User", "message": f"Function not found: {function} ({exc})"}
            return 404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, json.dumps(body).encode()
        try:
            event = json.loads(payload or b"{}")
            result = module.handler(event, LambdaContext(f"{FUNCTION_PREFIX}{name}", function_arn(name)))
            return 200, {}, json.dumps(result).encode()
        except Exception as exc:
            error = {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_exception(exc)[-5:],
            }
            return 200, {"X-Amz-Function-Error": "Unhandled"}, json.dumps(error).encode()

    # ECS --------------------------------------------------------------------------------------------

    def run_task(self, request: dict[str, Any]) -> dict[str, Any]:
        definition = str(request.get("taskDefinition", ""))
        step_name = definition.rsplit("/", 1)[-1].split(":")[0].removeprefix(FUNCTION_PREFIX)
        if step_name not in CONTAINER_STEPS:
            return {"tasks": [], "failures": [{"arn": definition, "reason": "unknown task definition"}]}
        env: dict[str, str] = {}
        for override in request.get("overrides", {}).get("containerOverrides", []):
            env.update({e["name"]: e["value"] for e in override.get("environment", [])})
        arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/forge-local/{next(self._ids):06d}{uuid.uuid4().hex[:10]}"
        task = LocalTask(arn, CONTAINER_STEPS[step_name], {**env, "FORGE_TASK_ARN": arn, "FORGE_CLUSTER": CLUSTER_ARN})
        with self._tasks_lock:
            self._tasks[arn] = task
        threading.Thread(target=self._run, args=(task,), name=f"task-{step_name}", daemon=True).start()
        return {"tasks": [task.describe()], "failures": []}

    def _run(self, task: LocalTask) -> None:
        with self._slots:
            if task.stopped:
                return
            task.status = "RUNNING"
            try:
                execute_task(self._deps(), task.step, task.env, lambda step, workdir: self._launch(task, workdir))
            except Exception:
                logger.exception("local task crashed", extra={"task_arn": task.arn})
            finally:
                task.status = "STOPPED"

    def _launch(self, task: LocalTask, staged: Path) -> Completed:
        entrypoint = function_dir(task.step.value) / "entrypoint.py"
        return launch_in_bubblewrap(
            entrypoint, staged, self._limits, on_start=lambda proc: setattr(task, "process", proc)
        )

    def describe_tasks(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._tasks_lock:
            found = [self._tasks[a].describe() for a in request.get("tasks", []) if a in self._tasks]
            missing = [{"arn": a, "reason": "MISSING"} for a in request.get("tasks", []) if a not in self._tasks]
        return {"tasks": found, "failures": missing}

    def stop_task(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._tasks_lock:
            task = self._tasks.get(str(request.get("task")))
        if task is None:
            raise KeyError("task not found")
        self._kill(task)
        return {"task": task.describe()}

    @staticmethod
    def _kill(task: LocalTask) -> None:
        task.stopped = True
        if task.process is not None and task.process.poll() is None:
            os.killpg(task.process.pid, signal.SIGKILL)

    # HTTP -------------------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def _send(self, status: int, headers: dict[str, str], body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/2015-03-31/functions/") and self.path.endswith("/invocations"):
                    function = unquote(self.path.split("/")[3])
                    status, headers, out = emulator.invoke(function, body)
                    self._send(status, headers, out, "application/json")
                    return
                target = self.headers.get("X-Amz-Target", "")
                action = target.rsplit(".", 1)[-1]
                ops = {
                    "RunTask": emulator.run_task,
                    "DescribeTasks": emulator.describe_tasks,
                    "StopTask": emulator.stop_task,
                }
                if action not in ops:
                    self._send(
                        400,
                        {},
                        json.dumps({"__type": "InvalidAction", "message": target}).encode(),
                        "application/x-amz-json-1.1",
                    )
                    return
                try:
                    out = ops[action](json.loads(body or b"{}"))
                    self._send(200, {}, json.dumps(out).encode(), "application/x-amz-json-1.1")
                except KeyError as exc:
                    error = {"__type": "InvalidParameterException", "message": str(exc)}
                    self._send(400, {}, json.dumps(error).encode(), "application/x-amz-json-1.1")

        return Handler
