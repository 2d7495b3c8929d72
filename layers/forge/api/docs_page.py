"""The Swagger page (`GET .../docs`), built on its first request rather than at start.

Powertools' `enable_swagger` loads its OpenAPI models and page generator when it is called (about 60 ms, a sixth of
the API's cold start), though only this one public route uses them. The route registered here builds, when asked,
a resolver with Powertools' own page (`full_resolver`, called with the page enabled) and hands it the very request,
so the page, its `?format=json` document and its OAuth2 redirect are Powertools' own, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import Response

from forge.api.resolver_pool import OwnEventResolver


def serve_docs_when_asked(resolver: OwnEventResolver, path: str, full_resolver: Callable[[], OwnEventResolver]) -> None:
    @resolver.get(path, include_in_schema=False)
    def docs_page() -> Response[str]:
        # A resolver of its own per page request: the page is rare, and this one never serves two requests at once.
        answer = full_resolver().resolve(resolver.current_event.raw_event, resolver.lambda_context)
        return Response(
            status_code=int(answer["statusCode"]),
            content_type=_content_type(answer),
            body=str(answer.get("body") or ""),
        )


def _content_type(answer: dict[str, Any]) -> str | None:
    for source in (answer.get("multiValueHeaders") or {}, answer.get("headers") or {}):
        for name, value in source.items():
            if name.lower() == "content-type":
                return str(value[-1] if isinstance(value, list) else value)
    return None
