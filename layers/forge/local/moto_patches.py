"""Five gaps in moto 5.2.x that the local runtime depends on (four in Step Functions, one in KMS), fixed in one place,
and one cost it pays for nothing. Each is named for what it fixes; tests/integration/local/test_moto_patches.py fails
without any of them.

1. `ecs:runTask` never converts ASL's PascalCase parameters to boto3's camelCase (and back), so it fails
   with KeyError 'Cluster': the service-task base class leaves `_normalise_parameters` /
   `_normalise_response` empty while already providing `_to_boto_request` / `_from_boto_response`;
   we fill the two from botocore's ECS operation model.
2. StopExecution only flags the program as stopped; a task waiting for its task token keeps waiting until
   its timeout (days, for the approval wait), so the execution stays RUNNING. Real Step Functions aborts
   at once; we wake the waiting callbacks so the interpreter sees the stop, and keep the error the woken
   task then raises from overwriting the stop, so the execution ends ABORTED.
3. SendTaskFailure drops its `cause` (the response handler reads only `error`), so a rejection's reason or
   a container step's error message never reaches the Catch; we pass it through.
4. The engine's Lambda and ECS clients sign with the fixed keys 'ak'/'sk', so a signature would prove nothing
   about who called the loopback emulator; we make them sign with the run's own credentials
   (forge.local.sigv4), which only this process holds, and the emulator refuses every other signature.
5. KMS Sign ignores MessageType: a DIGEST message (what forge.signing.kms_signer sends for messages over KMS's 4096
   bytes) is hashed again, so the signature covers the digest's digest and never verifies; we sign the digest as
   given, as KMS does. Applied to moto's KMS server process too (`python -m forge.local.moto_kms_server`).
6. Every execution parses the state machine's definition again with ANTLR before its first state (about 70 ms for
   statemachine/forge.asl.json on the project's machine: most of the time from a job's submission to its Generate
   step, and again at every `forge retry`). We parse each definition once and give every execution a deep copy of
   the parsed program (about 3 ms), so no execution sees another's; the parse keeps every error it would raise.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.model import OperationModel, ServiceModel

if TYPE_CHECKING:
    from forge.local.sigv4 import RunCredentials

_applied: set[str] = set()
_engine_credentials: list[RunCredentials] = []
# The engine modules that call the loopback emulator; every other service it calls is moto's own, in-process.
_EMULATED_CALLERS = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_ecs",
)


@lru_cache(maxsize=1)
def _ecs_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("ecs")


def _operation(task: Any, service_action_name: str | None) -> OperationModel:
    from moto.stepfunctions.parser.utils import camel_to_snake_case

    wanted = camel_to_snake_case(service_action_name or task.resource.api_action)
    for name in _ecs_model().operation_names:
        if camel_to_snake_case(name) == wanted:
            return _ecs_model().operation_model(name)
    raise KeyError(f"ECS has no operation {wanted}")


def fix_ecs_parameter_casing() -> None:
    if "ecs" in _applied:
        return
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_ecs import (
        StateTaskServiceEcs,
    )

    def _normalise_parameters(
        self: Any,
        parameters: dict[str, Any],
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        self._to_boto_request(parameters, _operation(self, service_action_name).input_shape)

    def _normalise_response(
        self: Any, response: Any, boto_service_name: str | None = None, service_action_name: str | None = None
    ) -> None:
        self._from_boto_response(response, _operation(self, service_action_name).output_shape)

    StateTaskServiceEcs._normalise_parameters = _normalise_parameters
    StateTaskServiceEcs._normalise_response = _normalise_response
    _applied.add("ecs")


def fix_stop_execution_interrupts_waits() -> None:
    if "stop" in _applied:
        return
    from moto.stepfunctions.parser.asl.eval.environment import Environment
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped

    original_stop, original_error = Environment.set_stop, Environment.set_error

    def set_stop(self: Any, stop_date: Any, cause: str | None, error: str | None) -> None:
        original_stop(self, stop_date=stop_date, cause=cause, error=error)
        for endpoint in list(self.callback_pool_manager._pool.values()):
            endpoint.interrupt_all()

    def set_error(self: Any, error: Any) -> None:
        if isinstance(self._program_state, ProgramStopped):
            return
        original_error(self, error)

    Environment.set_stop = set_stop
    Environment.set_error = set_error
    _applied.add("stop")


def fix_send_task_failure_keeps_cause() -> None:
    if "cause" in _applied:
        return
    from moto.core.responses import EmptyResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def send_task_failure(self: Any) -> Any:
        self.stepfunction_backend.send_task_failure(
            self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause")
        )
        return EmptyResult()

    StepFunctionResponse.send_task_failure = send_task_failure
    _applied.add("cause")


def fix_engine_signs_with_run_credentials() -> None:
    if "sign" in _applied:
        return
    import importlib

    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds

    for name in _EMULATED_CALLERS:
        module = importlib.import_module(name)
        original = module.boto_client_for

        def boto_client_for(region: str, service: str, state_credentials: Any = None, _original: Any = original) -> Any:
            if not _engine_credentials:
                return _original(region=region, service=service, state_credentials=state_credentials)
            credentials = _engine_credentials[-1]
            # moto's own client settings, with the run's keys in place of its fixed ones.
            new_client: Callable[..., Any] = boto3.client  # any service the engine names, not one literal
            return new_client(
                service_name=service,
                region_name=region,
                aws_access_key_id=credentials.access_key,
                aws_secret_access_key=credentials.secret_key,
                config=Config(
                    parameter_validation=False,
                    retries={"max_attempts": 0, "total_max_attempts": 1},
                    connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                    read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                ),
            )

        module.boto_client_for = boto_client_for  # type: ignore[attr-defined]  # moto's module, looked up per call
    _applied.add("sign")


def fix_kms_sign_digest() -> None:
    if "digest" in _applied:
        return
    import base64
    import json

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
    from moto.kms.responses import KmsResponse

    original = KmsResponse.sign

    def sign(self: Any) -> str:
        if self._get_param("MessageType") != "DIGEST" or self._get_param("SigningAlgorithm") != "ECDSA_SHA_256":
            return str(original(self))
        key = self.kms_backend.describe_key(self._get_param("KeyId"))
        private = key.private_key.private_key  # moto's ECDSAPrivateKey holds cryptography's key
        if not isinstance(private, ec.EllipticCurvePrivateKey):
            return str(original(self))
        signature = private.sign(self._get_param("Message"), ec.ECDSA(Prehashed(hashes.SHA256())))
        return json.dumps(
            {"KeyId": key.arn, "Signature": base64.b64encode(signature).decode(), "SigningAlgorithm": "ECDSA_SHA_256"}
        )

    KmsResponse.sign = sign
    _applied.add("digest")


@lru_cache(maxsize=8)
def _parsed_program(definition: str) -> Any:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    return AmazonStateLanguageParser.parse(definition)[0]


def fix_definition_parsed_per_execution() -> None:
    if "parse" in _applied:
        return
    import copy

    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    def _get_evaluation_entrypoint(self: Any) -> Any:
        # A copy: the engine's components are built for one evaluation, and executions run side by side.
        return copy.deepcopy(_parsed_program(self._evaluation_details.state_machine_details.definition))

    ExecutionWorker._get_evaluation_entrypoint = _get_evaluation_entrypoint
    _applied.add("parse")


def sign_engine_calls_with(credentials: RunCredentials | None) -> None:
    """The credentials the engine signs its Lambda and ECS calls with (None: moto's fixed ones again)."""
    _engine_credentials.clear()
    if credentials is not None:
        _engine_credentials.append(credentials)


def apply() -> None:
    fix_ecs_parameter_casing()
    fix_stop_execution_interrupts_waits()
    fix_send_task_failure_keeps_cause()
    fix_engine_signs_with_run_credentials()
    fix_kms_sign_digest()
    fix_definition_parsed_per_execution()
