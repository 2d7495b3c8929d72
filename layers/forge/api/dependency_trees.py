"""Each route's dependency tree, built once: Powertools rebuilds it on every request (`get_type_hints` over the route
and every `Depends` under it), 14 % of the server time of GET /jobs. A tree follows only from the signatures, fixed
when the routers are imported; test overrides (`app.dependency_overrides`) are applied when a tree is solved, not
when it is built, so a cached tree serves them unchanged.

Solving a tree, Powertools also reads each dependency's type hints on every request (to find a `Request`
parameter): with `from __future__ import annotations` that compiles each annotation again, 7 % of the server time of
GET /jobs. Those hints are as fixed as the signatures, so they are read once per function too."""

from __future__ import annotations

import functools
import typing

from aws_lambda_powertools.event_handler import depends


def build_each_tree_once() -> None:
    """Idempotent. Powertools looks the builder (and `get_type_hints`) up in its module at each request (and
    recursively for sub-trees), so replacing them there caches every level. A function whose hints cannot be read
    yet raises, and an exception is not cached."""
    builder = depends.build_dependency_tree
    if isinstance(builder, functools._lru_cache_wrapper):
        return
    depends.build_dependency_tree = functools.cache(builder)
    # The module's own name for typing.get_type_hints (its import, not an export).
    depends.get_type_hints = functools.cache(typing.get_type_hints)  # type: ignore[attr-defined,assignment]  # see above
