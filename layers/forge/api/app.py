"""The API resolver: routers, error mapping, and the Lambda entry point functions/api uses."""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

import forge
from forge.api.auth import Unauthorized, WrongRole, gate
from forge.api.cursors import BadCursor
from forge.api.dependency_trees import build_each_tree_once
from forge.api.docs_page import serve_docs_when_asked
from forge.api.resolver_pool import OwnEventResolver, ResolverPool
from forge.api.routers import approvals, approvers, health, jobs, keys, packages, publications, revocations
from forge.errors import Conflict, Forbidden, ForgeError, NotFound, SpecError, TransientError
from forge.observability import logger

PREFIX = "/api/v1/forge"
MAX_BODY_BYTES = 256 * 1024
DOCS_PATH = f"{PREFIX}/docs"
PUBLIC_PATHS = (f"{PREFIX}/health", DOCS_PATH)

build_each_tree_once()


def _error(status: int, code: str, message: str, problems: list[str] | None = None) -> Response[dict[str, Any]]:
    return Response(status, "application/json", {"error": code, "message": message, "problems": problems or []})


def body_problem(event: dict[str, Any]) -> tuple[int, str, str] | None:
    """Bodies are JSON objects of at most 256 KB. Checked before routing: Powertools validates a request
    before any middleware runs, and would otherwise report malformed JSON as missing fields."""
    body = event.get("body") or ""
    if len(body.encode()) > MAX_BODY_BYTES:
        return 413, "too_large", f"request body exceeds {MAX_BODY_BYTES} bytes"
    if not body.strip():
        return None
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return 415, "unsupported_media_type", "send the body as JSON with 'Content-Type: application/json'"
    try:
        parsed = json.loads(base64.b64decode(body) if event.get("isBase64Encoded") else body)
    except ValueError as exc:
        return 400, "malformed_json", f"the body is not valid JSON: {exc}"
    except RecursionError:
        return 400, "malformed_json", "the body nests JSON too deeply"
    if not isinstance(parsed, dict):
        return 400, "malformed_json", "the body must be a JSON object"
    try:
        if _holds_nul(parsed):
            return 400, "invalid_request", "text in the body must not contain NUL (\\u0000) characters"
    except RecursionError:
        return 400, "malformed_json", "the body nests JSON too deeply"
    return None


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def parameter_problem(event: dict[str, Any]) -> tuple[int, str, str] | None:
    """PostgreSQL text cannot hold NUL, and psycopg2 raises before the query runs: refuse it at the door."""
    parts = (
        event.get("path"),
        event.get("queryStringParameters"),
        event.get("multiValueQueryStringParameters"),
        event.get("pathParameters"),
    )
    if any(_holds_nul(part) for part in parts):
        return 400, "invalid_request", "the path and query must not contain NUL characters"
    return None


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        where, rest = parts[0], parts[1:]
        return f"{where}: {'.'.join(rest)}" if rest else where
    return ".".join(parts)


def _invalid(exc: RequestValidationError) -> Response[dict[str, Any]]:
    problems = []
    for err in exc.errors():
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            msg = "unknown field"
        if err.get("type") == "json_invalid":
            msg = "malformed JSON"
        problems.append(f"{_loc(tuple(err.get('loc', ())))}: {msg}")
    return _error(422, "invalid_request", "the request is not valid", problems)


def _bad_spec(exc: SpecError) -> Response[dict[str, Any]]:
    return _error(422, "invalid_spec", "the plugin spec is not valid", exc.problems)


def _unauthorized(exc: Unauthorized) -> Response[dict[str, Any]]:
    return _error(401, "unauthorized", str(exc))


def _forbidden(exc: ForgeError) -> Response[dict[str, Any]]:
    return _error(403, "forbidden", str(exc))


def _not_found(exc: NotFound) -> Response[dict[str, Any]]:
    return _error(404, "not_found", str(exc))


def _conflict(exc: Conflict) -> Response[dict[str, Any]]:
    return _error(409, "conflict", str(exc))


def _bad_cursor(exc: BadCursor) -> Response[dict[str, Any]]:
    return _error(400, "bad_cursor", str(exc))


def _busy(exc: TransientError) -> Response[dict[str, Any]]:
    return _error(503, "unavailable", str(exc))


def _refused(exc: ForgeError) -> Response[dict[str, Any]]:
    return _error(400, "refused", str(exc))


def _no_route(exc: NotFoundError) -> Response[dict[str, Any]]:
    return _error(404, "not_found", "no such endpoint")


def _service_error(exc: ServiceError) -> Response[dict[str, Any]]:
    return _error(exc.status_code, "error", exc.msg if isinstance(exc.msg, str) else json.dumps(exc.msg))


def _crash(exc: Exception) -> Response[dict[str, Any]]:
    # The detail goes to the log, never to the caller.
    logger.exception("unhandled error in the API")
    return _error(500, "internal", "internal error; the request id is in the logs")


_EXCEPTION_HANDLERS: tuple[tuple[Any, Any], ...] = (
    (RequestValidationError, _invalid),
    (SpecError, _bad_spec),
    (Unauthorized, _unauthorized),
    ([WrongRole, Forbidden], _forbidden),
    (NotFound, _not_found),
    (Conflict, _conflict),
    (BadCursor, _bad_cursor),
    (TransientError, _busy),
    (ForgeError, _refused),
    (NotFoundError, _no_route),
    (ServiceError, _service_error),
    (Exception, _crash),
)


def build_resolver(swagger_now: bool = False) -> OwnEventResolver:
    """One resolver with every router, the error mapping and the OpenAPI page (Powertools' page, loaded on the
    page's first request unless `swagger_now`: forge.api.docs_page)."""
    resolver = OwnEventResolver(enable_validation=True)
    if swagger_now:
        resolver.enable_swagger(path=DOCS_PATH, title="Plugin Forge API", version=forge.__version__)
    else:
        serve_docs_when_asked(resolver, DOCS_PATH, lambda: build_resolver(swagger_now=True))
    for exceptions, mapped_by in _EXCEPTION_HANDLERS:
        resolver.exception_handler(exceptions)(mapped_by)
    for module in (jobs, packages, approvals, approvers, health, keys, revocations, publications):
        resolver.include_router(module.router, prefix=PREFIX)
    # include_router copies the router's context, which is the context of the resolver that included the router
    # last, possibly serving a request right now (its route, its cached Request and so its claims): a new resolver
    # starts with none of it.
    resolver.context.clear()
    return resolver


# The first resolver: the OpenAPI document's, and the one whose dependency_overrides the tests set (shared by all).
app = build_resolver()
_resolvers = ResolverPool(build_resolver, app)


def respond(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The API's answer to one API Gateway proxy event; safe to call from several threads at once."""
    # Who is calling is settled first, as API Gateway's authorizer does: an anonymous request gets 401
    # whatever its body, never a validation answer that would describe the endpoint to a stranger.
    problem = gate(event, PUBLIC_PATHS) or parameter_problem(event) or body_problem(event)
    if problem is not None:
        status, code, message = problem
        return {
            "statusCode": status,
            "headers": {"Content-Type": "application/json"},
            "isBase64Encoded": False,
            "body": json.dumps({"error": code, "message": message, "problems": []}),
        }
    with _resolvers.resolver() as resolver:
        return resolver.resolve(event, context)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The Lambda entry point: one event at a time per container, its keys (cold start, function, correlation id)
    set on the process's logger."""
    return respond(event, context)


def concurrent_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The local server's entry point, called from many threads at once. The correlation id is kept per thread
    (Powertools' thread-safe keys): the logger's shared keys, which `handler` sets, would be overwritten by the
    requests served beside this one."""
    request_id = (event.get("requestContext") or {}).get("requestId")
    logger.thread_safe_append_keys(correlation_id=request_id)
    try:
        return respond(event, context)
    finally:
        logger.thread_safe_remove_keys(["correlation_id"])
