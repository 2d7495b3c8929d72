"""Lambda Invoke and ECS RunTask on loopback, dispatching to the very same functions/ entry points.

moto's Step Functions engine calls these through boto3 (AWS_ENDPOINT_URL_LAMBDA / _ECS point here):
- Lambda Invoke runs `functions/<name>/handler.py:handler` in this process, for the names the runtime registered;
- ECS RunTask runs the container step's reporter here and its isolated half (`functions/<step>/entrypoint.py`)
  inside bubblewrap with no network; the reporter then answers Step Functions with the task token.

Only the runtime's own clients are answered: every request must carry a SigV4 signature by the run's credentials
(forge.local.sigv4), which moto's engine in this process signs with (forge.local.moto_patches); anything else gets
403 before its body is looked at. Function names and task definitions are looked up in fixed tables; no path is
ever built from a URL.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import re
import signal
import subprocess
import threading
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlsplit

from forge.errors import ForgeError
from forge.isolation.runner import Completed, Limits
from forge.local.http_server import LoopbackHandler, LoopbackHTTPServer
from forge.local.sigv4 import RunCredentials, SignatureError, verify_sigv4
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
# Lambda's own limit on a synchronous invoke's payload; RunTask requests are far smaller.
MAX_REQUEST_BYTES = 6 * 1024 * 1024
INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")


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


def _lookup_table(arns: Callable[[str], str], names: Iterable[str]) -> dict[str, str]:
    """What a caller may name a registered function or task definition by (its ARN or its name) -> its name."""
    return {key: name for name in names for key in (arns(name), f"{FUNCTION_PREFIX}{name}")}


class AwsEmulator:
    def __init__(
        self,
        deps: Callable[[], PipelineDeps],
        concurrency: int,
        limits: Limits,
        credentials: RunCredentials,
        functions: Iterable[str],
        request_timeout: float | None = None,
    ) -> None:
        self._deps = deps
        self._limits = limits
        self._credentials = credentials
        self._functions = _lookup_table(function_arn, functions)
        self._task_definitions = _lookup_table(task_definition_arn, CONTAINER_STEPS)
        self._slots = threading.BoundedSemaphore(concurrency)
        self._modules: dict[str, ModuleType] = {}
        self._modules_lock = threading.Lock()
        self._tasks: dict[str, LocalTask] = {}
        self._tasks_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = LoopbackHTTPServer(("127.0.0.1", 0), self._handler_class(), request_timeout)
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
        """The handler module of a registered function (`name` comes from the registration, never from a URL)."""
        with self._modules_lock:
            if name not in self._modules:
                path = function_dir(name) / "handler.py"
                spec = importlib.util.spec_from_file_location(f"forge_function_{name}", path)
                if spec is None or spec.loader is None:
                    raise ForgeError(f"cannot load the handler module {path}")
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                self._modules[name] = module
            return self._modules[name]

    def invoke(self, function: str, payload: bytes) -> tuple[int, dict[str, str], bytes]:
        name = self._functions.get(function)
        if name is None:
            body = {"Type": "User", "message": f"Function not found: {function[:200]}"}
            return 404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, json.dumps(body).encode()
        try:
            module = self._module(name)
            event = json.loads(payload or b"{}")
            result = module.handler(event, LambdaContext(f"{FUNCTION_PREFIX}{name}", function_arn(name)))
            return 200, {}, json.dumps(result).encode()
        except Exception as exc:  # noqa: BLE001 - a function's error is its Invoke answer, as in Lambda
            error = {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_exception(exc)[-5:],
            }
            return 200, {"X-Amz-Function-Error": "Unhandled"}, json.dumps(error).encode()

    # ECS --------------------------------------------------------------------------------------------

    def run_task(self, request: dict[str, Any]) -> dict[str, Any]:
        definition = str(request.get("taskDefinition", ""))
        step_name = self._task_definitions.get(definition)
        if step_name is None:
            return {"tasks": [], "failures": [{"arn": definition[:200], "reason": "unknown task definition"}]}
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
                execute_task(
                    task.step,
                    task.env,
                    self._deps().workflow,
                    self._deps,
                    lambda: lambda _step, staged: self._launch(task, staged),
                )
            except Exception:  # noqa: BLE001 - a crashed task stops, logged, as a Fargate task would
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

    def _handler_class(self) -> type[LoopbackHandler]:  # noqa: C901 - the sum of the nested class's methods (each <= 7)
        emulator = self

        class Handler(LoopbackHandler):
            def _send(self, status: int, headers: dict[str, str], body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def refuse(self, status: int, error: str, message: str) -> None:
                kind = "RequestEntityTooLargeException" if status == 413 else "InvalidRequestContentException"
                self._error(status, kind, message)

            def _error(self, status: int, kind: str, message: str) -> None:
                body = json.dumps({"__type": kind, "message": message}).encode()
                self._send(status, {"x-amzn-ErrorType": kind}, body, "application/x-amz-json-1.1")

            def _signed_by_the_runtime(self, service: str, body: bytes) -> bool:
                try:
                    verify_sigv4(
                        emulator._credentials, service, REGION, "POST", self.path, dict(self.headers.items()), body
                    )
                except SignatureError as exc:
                    self._error(403, "InvalidSignatureException", f"request not signed by this runtime: {exc}")
                    return False
                return True

            def do_POST(self) -> None:
                body = self.read_body(MAX_REQUEST_BYTES)
                if body is None:
                    return
                invocation = INVOKE_PATH.match(urlsplit(self.path).path)
                if invocation is not None:
                    if self._signed_by_the_runtime("lambda", body):
                        status, headers, out = emulator.invoke(unquote(invocation["name"]), body)
                        self._send(status, headers, out, "application/json")
                    return
                if not self._signed_by_the_runtime("ecs", body):
                    return
                target = self.headers.get("X-Amz-Target", "")
                action = target.rsplit(".", 1)[-1]
                ops = {
                    "RunTask": emulator.run_task,
                    "DescribeTasks": emulator.describe_tasks,
                    "StopTask": emulator.stop_task,
                }
                if action not in ops:
                    self._error(400, "InvalidAction", target[:200])
                    return
                try:
                    answer = ops[action](json.loads(body or b"{}"))
                    self._send(200, {}, json.dumps(answer).encode(), "application/x-amz-json-1.1")
                except (KeyError, ValueError, TypeError, AttributeError) as exc:
                    self._error(400, "InvalidParameterException", str(exc)[:500])

        return Handler
