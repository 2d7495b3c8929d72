"""Every rule the analyser runs, in one place. Adding a rule family = one module + one line here."""

from __future__ import annotations

from collections.abc import Iterable

from forge.gates.context import Rule
from forge.gates.rules import (
    callbacks,
    execution,
    files,
    filesystem,
    includes,
    network,
    obfuscation,
    phpcs,
    plugin_check,
    plugin_check_code,
    privilege,
    secrets,
)

FAMILIES = (
    execution,
    callbacks,
    includes,
    filesystem,
    privilege,
    network,
    secrets,
    obfuscation,
    files,
    plugin_check,
    plugin_check_code,
    phpcs,
)
RULES: tuple[Rule, ...] = tuple(rule for family in FAMILIES for rule in family.RULES)


def rule_ids() -> list[str]:
    return [rule.id for rule in RULES]


def unknown_selections(selected: Iterable[str]) -> list[str]:
    """The entries of a `--rule` selection that match no rule id or id prefix (a typo would otherwise run nothing
    and pass)."""
    ids = rule_ids()
    return [s for s in selected if not any(rule_id == s or rule_id.startswith(s) for rule_id in ids)]
