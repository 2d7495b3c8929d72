"""/health: liveness and database reachability, no authentication."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

import forge
from forge.api.dependencies import Deps

router = Router()


@router.get("/health", summary="Liveness and database reachability")
def health(deps: Deps) -> Response[dict[str, Any]]:
    try:
        deps.repos.ping()
        return Response(200, "application/json", {"status": "ok", "version": forge.__version__})
    except Exception as exc:  # noqa: BLE001 - health reports, it never raises
        return Response(503, "application/json", {"status": "degraded", "database": type(exc).__name__})
