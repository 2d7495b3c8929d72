"""`forge up`: the whole pipeline on one machine, no Docker, no AWS account.

Postgres (embedded or DATABASE_URL) + SoftHSM2 + moto's Step Functions engine running
statemachine/forge.asl.json, with Lambda Invoke and ECS RunTask served on loopback by AwsEmulator,
and the API handler served on 127.0.0.1 by ApiServer.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forge.config import Settings, get_settings, reset_settings
from forge.errors import ForgeError
from forge.isolation.runner import step_limits
from forge.local.ticker import DEFAULT_INTERVAL_SECONDS, Ticker
from forge.observability import logger

if TYPE_CHECKING:
    from forge.local.sigv4 import RunCredentials

STATE_MACHINE_NAME = "plugin-forge"
# Locally the sweeper can run often: it is one indexed query when nothing is due.
CALLBACK_SWEEP_SECONDS = 5.0
RETRACTION_SWEEP_SECONDS = 60.0
ROLE_ARN = "arn:aws:iam::123456789012:role/plugin-forge-local"
# The Lambda functions the workflow invokes: the only names the emulator resolves.
WORKFLOW_FUNCTIONS = ("generate", "package", "sign", "approval", "publish", "finish")


def local_substitutions() -> dict[str, str]:
    """The values the CDK stack passes as DefinitionSubstitutions, pointing at the loopback emulator."""
    from forge.local.aws_emulator import CLUSTER_ARN, function_arn, task_definition_arn

    subs = {f"{name.capitalize()}FunctionArn": function_arn(name) for name in WORKFLOW_FUNCTIONS}
    subs.update(
        {
            "ClusterArn": CLUSTER_ARN,
            "BuildTaskDefinitionArn": task_definition_arn("build"),
            "TestTaskDefinitionArn": task_definition_arn("test"),
            "SandboxTaskDefinitionArn": task_definition_arn("sandbox"),
            "PrivateSubnetA": "subnet-local-a",
            "PrivateSubnetB": "subnet-local-b",
            "BuildSecurityGroupId": "sg-local-build",
            "TestSecurityGroupId": "sg-local-test",
            "SandboxSecurityGroupId": "sg-local-sandbox",
        }
    )
    return subs


def runtime_file(settings: Settings) -> Path:
    return settings.forge_home / "runtime.json"


def running_runtime(settings: Settings) -> dict[str, Any] | None:
    """{"url", "pid"} of the live runtime serving this FORGE_HOME, or None (a stale file counts as none)."""
    try:
        info = json.loads(runtime_file(settings).read_text())
        os.kill(int(info["pid"]), 0)
        return {"url": str(info["url"]), "pid": int(info["pid"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


class LocalRuntime:
    def __init__(
        self, port: int = 8080, host: str = "127.0.0.1", gauge_interval_seconds: float = DEFAULT_INTERVAL_SECONDS
    ) -> None:
        self.port = port
        self.host = host
        self.gauge_interval_seconds = gauge_interval_seconds
        self.gauges: Ticker | None = None
        self.callbacks: Ticker | None = None
        self.retractions: Ticker | None = None
        self._pg: Any = None
        self._mock: Any = None
        self._emulator: Any = None
        self._api: Any = None
        self.metrics: Any = None
        self.api_url = ""
        self.emulator_url = ""
        self.emulator_credentials: RunCredentials | None = None
        self.state_machine_arn = ""
        self.reconciled: list[tuple[Any, str]] = []
        self.orphaned_work_folders: list[Path] = []
        self._saved_env: dict[str, str | None] = {}

    def _setenv(self, values: dict[str, str]) -> None:
        """Set variables for the handlers this process serves; stop() puts the old values back."""
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def __enter__(self) -> LocalRuntime:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        import boto3
        from moto import mock_aws

        from forge.api.app import concurrent_handler as api_handler
        from forge.db.migrate import migrate
        from forge.local import moto_patches
        from forge.local.api_server import ApiServer
        from forge.local.aws_emulator import AwsEmulator, LambdaContext, function_arn
        from forge.local.home import forge_home
        from forge.local.postgres import EmbeddedPostgres
        from forge.local.prometheus_metrics import PrometheusSink
        from forge.local.sign_in import sign_in_key
        from forge.local.sigv4 import RunCredentials
        from forge.local.tokens import LocalIssuer
        from forge.local.ui_files import UiFiles, default_ui_root
        from forge.pipeline.container.work_folders import remove_orphaned
        from forge.pipeline.gauges import emit_gauges
        from forge.pipeline.jobs import reconcile
        from forge.pipeline.retraction import sweep_retractions
        from forge.pipeline.workflow_callbacks import sweep
        from forge.signing.softhsm import prepare_softhsm
        from forge.wiring import default_deps, reset_deps
        from forge.workflow.client import StepFunctionsWorkflow
        from forge.workflow.definition import substitute

        settings = get_settings()
        home = forge_home(settings)
        self._check_not_running(settings)
        self.orphaned_work_folders = remove_orphaned()
        if self.orphaned_work_folders:
            # A killed runtime cleans nothing up: the folders its container steps staged into stay behind.
            logger.info(
                "removed work folders a killed process left",
                extra={"folders": [str(p) for p in self.orphaned_work_folders]},
            )

        dsn = settings.database_url
        if not dsn:
            self._pg = EmbeddedPostgres(home / "pgdata")
            dsn = self._pg.start()
        migrate(dsn)
        pin = settings.pkcs11_pin or prepare_softhsm(home / "softhsm", settings.pkcs11_token_label)
        self._setenv(
            {
                "DATABASE_URL": dsn,
                "FORGE_PKCS11_PIN": pin,
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
            }
        )

        moto_patches.apply()
        self.emulator_credentials = RunCredentials()
        moto_patches.sign_engine_calls_with(self.emulator_credentials)
        self._mock = mock_aws(
            config={
                "stepfunctions": {"execute_state_machine": True},
                "core": {"passthrough": {"services": ["lambda", "ecs"]}},
            }
        )
        self._mock.start()

        self._emulator = AwsEmulator(
            default_deps,
            settings.worker_concurrency,
            step_limits(settings),
            self.emulator_credentials,
            WORKFLOW_FUNCTIONS,
        )
        self._emulator.start()
        self.emulator_url = self._emulator.url
        self._setenv({"AWS_ENDPOINT_URL_LAMBDA": self._emulator.url, "AWS_ENDPOINT_URL_ECS": self._emulator.url})

        sfn = boto3.client("stepfunctions")
        self.state_machine_arn = sfn.create_state_machine(
            name=STATE_MACHINE_NAME, definition=substitute(local_substitutions()), roleArn=ROLE_ARN
        )["stateMachineArn"]
        self._setenv({"FORGE_STATE_MACHINE_ARN": self.state_machine_arn})
        reset_settings()
        reset_deps()
        # Cancelling a job stops its Build/Test/Sandbox task (ECS StopTask), which the emulator answers only when
        # signed with the run's keys; the environment's keys are the fixed "local" ones.
        default_deps().workflow = StepFunctionsWorkflow(
            self.state_machine_arn,
            ecs=boto3.client(
                "ecs",
                aws_access_key_id=self.emulator_credentials.access_key,
                aws_secret_access_key=self.emulator_credentials.secret_key,
            ),
        )

        # Before anything emits: every metric from here on reaches GET /metrics too.
        self.metrics = PrometheusSink()
        self.metrics.attach()
        self.reconciled = reconcile(default_deps())
        self.gauges = Ticker(lambda: emit_gauges(default_deps()), self.gauge_interval_seconds)
        self.gauges.start()
        # Answers to waiting workflows that could not be delivered at once (functions/workflow_callbacks in AWS).
        self.callbacks = Ticker(lambda: sweep(default_deps()), CALLBACK_SWEEP_SECONDS, "workflow-callbacks")
        self.callbacks.start()
        # Retractions that failed (a marketplace unreachable): retried until they succeed (alarmed meanwhile).
        self.retractions = Ticker(lambda: sweep_retractions(default_deps()), RETRACTION_SWEEP_SECONDS, "retractions")
        self.retractions.start()

        api_context = LambdaContext("forge-api", function_arn("api"))
        self._api = ApiServer(
            # The emulator's context has every attribute Powertools reads: a stand-in for its class, not a subclass.
            lambda event, _ctx: api_handler(event, api_context),  # type: ignore[arg-type]
            LocalIssuer(home / "auth"),
            self.port,
            self.host,
            metrics=self.metrics.exposition,
            ui=UiFiles(default_ui_root()),
            sign_in_key=sign_in_key(home / "auth"),
        )
        self._api.start()
        self.api_url = self._api.url
        runtime_file(settings).write_text(json.dumps({"url": self.api_url, "pid": os.getpid()}))
        logger.info(
            "local runtime up",
            extra={
                "api": self.api_url,
                "state_machine": self.state_machine_arn,
                "database": "embedded" if self._pg else "DATABASE_URL",
            },
        )

    @staticmethod
    def _check_not_running(settings: Settings) -> None:
        live = running_runtime(settings)
        if live is None:
            runtime_file(settings).unlink(missing_ok=True)
            return
        raise ForgeError(f"a local runtime (pid {live['pid']}) already serves {settings.forge_home}; stop it first")

    @property
    def ui_url(self) -> str:
        """The ops UI's sign-in URL: the FORGE_HOME sign-in key rides in the fragment, which no request carries."""
        from forge.local.home import private_subdir
        from forge.local.sign_in import sign_in_key

        return f"{self.api_url}/#sign-in-key={sign_in_key(private_subdir('auth'))}"

    def stop(self) -> None:
        from forge.db.connection import close_all
        from forge.wiring import reset_deps

        for part in (self.gauges, self.callbacks, self.retractions, self._api, self._emulator):
            if part is not None:
                part.stop()
        self.gauges = self.callbacks = self.retractions = self._api = self._emulator = None
        if self.metrics is not None:
            self.metrics.detach()
            self.metrics = None
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        if self.emulator_credentials is not None:
            from forge.local import moto_patches

            moto_patches.sign_engine_calls_with(None)
            self.emulator_credentials = None
        reset_deps()
        close_all()
        if self._pg is not None:
            self._pg.stop()
            self._pg = None
        path = runtime_file(get_settings())
        if path.exists():
            try:
                if json.loads(path.read_text()).get("pid") == os.getpid():
                    path.unlink()
            except ValueError:
                path.unlink()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
        reset_settings()
