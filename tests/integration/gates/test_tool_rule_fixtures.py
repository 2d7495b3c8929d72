"""The rules that run a tool (phpcs) against their own fixtures: the `bad` folder must raise them, the `good`
folder must not (the pure-Python rules: tests/unit/gates/test_rule_fixtures.py)."""

from __future__ import annotations

import pytest

from tests.scan_rules import TOOL_RULES, assert_bad_fixture_is_caught, errors_of


@pytest.mark.parametrize("rule", sorted(TOOL_RULES))
def test_bad_fixture_is_caught(rule: str) -> None:
    assert_bad_fixture_is_caught(rule)


@pytest.mark.parametrize("rule", sorted(TOOL_RULES))
def test_good_fixture_is_clean(rule: str) -> None:
    assert errors_of(rule, "good") == []
