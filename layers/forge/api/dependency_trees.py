"""Each route's dependency tree, built once: Powertools rebuilds it on every request (`get_type_hints` over the route
and every `Depends` under it), 14 % of the server time of GET /jobs. A tree follows only from the signatures, fixed
when the routers are imported; test overrides (`app.dependency_overrides`) are applied when a tree is solved, not
when it is built, so a cached tree serves them unchanged."""

from __future__ import annotations

import functools

from aws_lambda_powertools.event_handler import depends


def build_each_tree_once() -> None:
    """Idempotent. Powertools looks the builder up in its module at each request (and recursively for sub-trees),
    so replacing it there caches every level."""
    builder = depends.build_dependency_tree
    if isinstance(builder, functools._lru_cache_wrapper):
        return
    depends.build_dependency_tree = functools.cache(builder)
