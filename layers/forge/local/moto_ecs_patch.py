"""Fix for moto 5.2.x: its Step Functions ECS integration never converts ASL's PascalCase parameters to
boto3's camelCase (and back), so `ecs:runTask` fails with KeyError 'Cluster'.

The base class leaves `_normalise_parameters` / `_normalise_response` empty while already providing
`_to_boto_request` / `_from_boto_response`; we fill the two from botocore's ECS operation model.
tests/unit/local/test_moto_ecs_patch.py fails without this patch.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import botocore.session
from botocore.model import OperationModel

_applied = False


@lru_cache(maxsize=1)
def _ecs_model() -> Any:
    return botocore.session.get_session().get_service_model("ecs")


def _operation(task: Any, service_action_name: str | None) -> OperationModel:
    from moto.stepfunctions.parser.utils import camel_to_snake_case

    wanted = camel_to_snake_case(service_action_name or task.resource.api_action)
    for name in _ecs_model().operation_names:
        if camel_to_snake_case(name) == wanted:
            return _ecs_model().operation_model(name)
    raise KeyError(f"ECS has no operation {wanted}")


def apply() -> None:
    global _applied
    if _applied:
        return
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_ecs import (
        StateTaskServiceEcs,
    )

    def _normalise_parameters(self: Any, parameters: dict, boto_service_name: str | None = None,
                              service_action_name: str | None = None) -> None:
        self._to_boto_request(parameters, _operation(self, service_action_name).input_shape)

    def _normalise_response(self: Any, response: Any, boto_service_name: str | None = None,
                            service_action_name: str | None = None) -> None:
        self._from_boto_response(response, _operation(self, service_action_name).output_shape)

    StateTaskServiceEcs._normalise_parameters = _normalise_parameters
    StateTaskServiceEcs._normalise_response = _normalise_response
    _applied = True
