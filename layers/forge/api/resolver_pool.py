"""Resolvers that serve requests at the same time in one process, as several Lambda containers would.

A Powertools resolver holds the request it serves (the event, the route context) while it serves it, so one resolver
serves one request at a time, as one Lambda container does. The pool hands each request a resolver of its own: an
idle one, or a new one when all are busy (the local server's threads; in Lambda, one event at a time, the pool holds
one). Powertools keeps the current event and Lambda context on BaseRouter, the class every resolver shares;
`OwnEventResolver` keeps them on the instance instead, so that resolvers serving at once never read each other's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext


class OwnEventResolver(APIGatewayRestResolver):
    """A REST resolver whose current event and Lambda context belong to it, not to the class."""

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        self.lambda_context = context
        return super().resolve(event, context)

    def _to_proxy_event(self, event: dict[str, Any]) -> BaseProxyEvent:
        # Powertools builds the request's event here once, then assigns it to BaseRouter.current_event; the
        # instance attribute set here is what this resolver, its middlewares and its routes read.
        proxy = super()._to_proxy_event(event)
        if isinstance(proxy, APIGatewayProxyEvent):
            self.current_event = proxy
        return proxy


class ResolverPool:
    """Each request gets a resolver no other request is using. Resolvers are kept for the next requests (building
    one and warming its routes costs milliseconds), so the pool grows to the most requests served at once."""

    def __init__(self, build: Callable[[], OwnEventResolver], first: OwnEventResolver) -> None:
        self._build = build
        # One set of dependency overrides for all (tests set them on the first, forge.api.app's `app`).
        self._overrides = first.dependency_overrides
        self._idle = [first]
        self._lock = threading.Lock()

    @contextmanager
    def resolver(self) -> Iterator[OwnEventResolver]:
        with self._lock:
            resolver = self._idle.pop() if self._idle else None
        if resolver is None:
            resolver = self._build()
            resolver.dependency_overrides = self._overrides
        try:
            yield resolver
        finally:
            with self._lock:
                self._idle.append(resolver)
