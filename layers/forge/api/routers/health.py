"""/health: liveness and database reachability, no authentication."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

import forge
from forge.wiring import default_deps

router = Router()


@router.get("/health", summary="Liveness and database reachability")
def health() -> Response[dict]:
    try:
        default_deps().repos.jobs.db.fetchone("SELECT 1")
        return Response(200, "application/json", {"status": "ok", "version": forge.__version__})
    except Exception as exc:  # health reports, it never raises
        return Response(503, "application/json", {"status": "degraded", "database": type(exc).__name__})
