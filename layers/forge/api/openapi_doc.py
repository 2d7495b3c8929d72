"""The OpenAPI document, generated from the resolver and committed as docs/openapi.json.

Powertools describes what the routes declare; this adds what the handler does around them, so clients
and schemathesis see every answer they can get: the error body the exception handlers send (also for
422, where Powertools would describe its own validation error shape), 401/403 on every authenticated
route, 413/415 on routes with a body, and the bearer scheme API Gateway's Cognito authorizer checks.

    python -m forge.api.openapi_doc            # rewrite docs/openapi.json
    python -m forge.api.openapi_doc --check    # exit 1 when the committed file differs
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import forge
from forge.api.app import PUBLIC_PATHS, app
from forge.api.schemas import ErrorBody

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
_ERROR_REF = "#/components/schemas/ErrorBody"
_ERRORS = {
    400: "Malformed JSON or a bad cursor",
    401: "No valid token",
    403: "The caller's role does not allow this",
    404: "Not found",
    409: "The resource's state forbids this",
    413: "Body over 256 KB",
    415: "Body is not JSON",
    422: "The request does not validate; `problems` names each field",
    503: "A dependency is busy; retry",
}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": _ERROR_REF}}}}


def document() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(
            title="Plugin Forge API",
            version=forge.__version__,
            description="Ops API of the Plugin Forge: jobs, packages, approvals (TOTP MFA), keys.",
        )
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorBody"] = ErrorBody.model_json_schema()
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    doc["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (Cognito ID token; locally RS256)"}
    }
    for path, operations in doc["paths"].items():
        public = path in PUBLIC_PATHS
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            codes = [404]
            if not public:  # /health answers 503 with its own body
                codes += [401, 403, 503]
                operation["security"] = [{"bearer": []}]
            if method in ("post", "put", "patch"):
                codes += [400, 409, 413, 415, 422]
            if operation.get("parameters"):
                codes += [400, 422]
            for code in sorted(set(codes)):
                responses[str(code)] = _error_response(_ERRORS[code])
    return doc


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not COMMITTED.exists() or COMMITTED.read_text() != text:
            sys.stderr.write(f"{COMMITTED} is out of date: run `python -m forge.api.openapi_doc`\n")
            return 1
        return 0
    COMMITTED.write_text(text)
    sys.stderr.write(f"wrote {COMMITTED}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
