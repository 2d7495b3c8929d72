"""Every rule the analyser runs, in one place. Adding a rule family = one module + one line here."""

from __future__ import annotations

from forge.gates.context import Rule
from forge.gates.rules import (
    execution,
    files,
    filesystem,
    includes,
    network,
    obfuscation,
    phpcs,
    plugin_check,
    privilege,
    secrets,
)

FAMILIES = (execution, includes, filesystem, privilege, network, secrets, obfuscation, files, plugin_check, phpcs)
RULES: tuple[Rule, ...] = tuple(rule for family in FAMILIES for rule in family.RULES)


def rule_ids() -> list[str]:
    return [rule.id for rule in RULES]
