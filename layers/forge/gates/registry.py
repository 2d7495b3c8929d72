"""Every platform-neutral rule the analyser runs, in one place. Adding a rule family = one module + one line here.

A platform's own rule families (a marketplace's review rules) come from its folder: `Platform.analyser_rules`,
handed to `scan()` beside these."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from forge.gates.context import Rule
from forge.gates.rules import (
    callbacks,
    execution,
    files,
    filesystem,
    includes,
    js_execution,
    js_minified,
    js_network,
    js_obfuscation,
    js_secrets,
    network,
    obfuscation,
    phpcs,
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
    phpcs,
    # JavaScript and TypeScript (any platform's .js/.ts files).
    js_execution,
    js_network,
    js_secrets,
    js_obfuscation,
    js_minified,
)
RULES: tuple[Rule, ...] = tuple(rule for family in FAMILIES for rule in family.RULES)


def rule_ids(platform_rules: Sequence[Rule] = ()) -> list[str]:
    return [rule.id for rule in (*RULES, *platform_rules)]


def unknown_selections(selected: Iterable[str], platform_rules: Sequence[Rule] = ()) -> list[str]:
    """The entries of a `--rule` selection that match no rule id or id prefix (a typo would otherwise run nothing
    and pass)."""
    ids = rule_ids(platform_rules)
    return [s for s in selected if not any(rule_id == s or rule_id.startswith(s) for rule_id in ids)]
