"""Every rule against its own fixtures: the `bad` folder must raise it, the `good` folder must not.

The rules that run a tool (phpcs) are checked the same way in tests/integration/gates/test_tool_rule_fixtures.py.
"""

from __future__ import annotations

import pytest

from forge.gates import scan
from forge.gates.registry import rule_ids
from tests.scan_rules import (
    EXPECTED_ERRORS,
    FIXTURES,
    HOSTS,
    PLATFORM_RULES,
    TOOL_RULES,
    assert_bad_fixture_is_caught,
    errors_of,
)

PYTHON_RULES = sorted(set(EXPECTED_ERRORS) - TOOL_RULES)


def test_every_registered_rule_has_fixtures() -> None:
    """The registry's platform-neutral rules and every platform's own rule families."""
    assert sorted(EXPECTED_ERRORS) == sorted(rule_ids(PLATFORM_RULES))
    for rule in rule_ids(PLATFORM_RULES):
        assert (FIXTURES / rule / "bad").is_dir(), rule
        assert (FIXTURES / rule / "good").is_dir(), rule


@pytest.mark.parametrize("rule", PYTHON_RULES)
def test_bad_fixture_is_caught(rule: str) -> None:
    assert_bad_fixture_is_caught(rule)


@pytest.mark.parametrize("rule", PYTHON_RULES)
def test_good_fixture_is_clean(rule: str) -> None:
    assert errors_of(rule, "good") == []


def test_findings_carry_file_line_severity_and_message() -> None:
    report = scan(FIXTURES / "exec.shell" / "bad", HOSTS, only=["exec.shell"])
    first = report.findings[0]
    assert (first.rule, first.path, first.line, first.severity) == ("exec.shell", "shell.php", 2, "error")
    assert "shell_exec" in first.message
    assert not report.ok
