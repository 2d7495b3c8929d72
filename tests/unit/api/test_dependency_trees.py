"""A route's dependency tree is built once, not on every request, and still names every dependency."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import depends

import forge.api.app  # noqa: F401 - loading the API is what installs the once-per-route trees
from forge.api.dependency_trees import build_each_tree_once
from forge.api.routers.jobs import get_job, list_jobs


def test_the_tree_of_a_route_is_built_once() -> None:
    assert depends.build_dependency_tree(list_jobs) is depends.build_dependency_tree(list_jobs)


def test_the_cached_tree_names_the_same_dependencies_as_a_fresh_one() -> None:
    fresh = depends.build_dependency_tree.__wrapped__(get_job)  # type: ignore[attr-defined]
    cached = depends.build_dependency_tree(get_job)
    assert [node.param_name for node in cached.dependencies] == [node.param_name for node in fresh.dependencies]
    assert {node.param_name for node in cached.dependencies} >= {"deps", "principal"}


def test_installing_twice_keeps_one_cache() -> None:
    installed = depends.build_dependency_tree
    build_each_tree_once()
    assert depends.build_dependency_tree is installed


def test_a_dependency_s_type_hints_are_read_once_and_still_find_the_request() -> None:
    from forge.api.auth import current_principal

    hints = depends.get_type_hints(current_principal)
    assert depends.get_type_hints(current_principal) is hints
    assert "request" in hints
