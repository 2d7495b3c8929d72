"""Every scan rule's fixtures and how many errors each `bad` folder holds, read by the unit tests (the rules that
are pure Python) and the integration tests (the rules that run a tool, e.g. phpcs)."""

from __future__ import annotations

from pathlib import Path

from forge.cms import get_platform
from forge.gates import scan

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scan" / "rules"
HOSTS = frozenset({"api.molam.com", "sandbox.api.molam.com"})
# How many error findings each `bad` fixture holds: one per planted construct, so a rule that stops
# seeing one of them fails here.
EXPECTED_ERRORS = {
    "exec.eval": 2,
    "exec.create-function": 1,
    "exec.preg-replace-e": 2,
    "exec.backticks": 1,
    "exec.shell": 3,
    "exec.dynamic-call": 15,
    "exec.decode-chain": 3,
    "exec.unserialize": 2,
    "include.dynamic": 4,
    "fs.write-php": 7,
    "fs.self-updater": 2,
    "priv.admin-user": 2,
    "net.host-not-allowed": 9,
    "net.request-data-exfiltration": 4,
    "secret.hardcoded": 8,
    "obfuscation": 3,
    "files.hidden": 2,
    "files.binary": 4,
    "wporg.headers": 5,
    "wporg.readme": 5,
    "wporg.text-domain": 3,
    "wporg.trademark": 2,
    # Issue 14: the rest of Plugin Check's offline checks (forge/cms/woocommerce/rules/plugin_check_code.py).
    "wporg.direct-file-access": 2,
    "wporg.discouraged": 10,
    "wporg.direct-db": 2,
    "wporg.settings": 2,
    "wporg.enqueue": 3,
    "wporg.admin": 2,
    "wporg.file-type": 3,
    "wporg.prefixing": 2,
    "wporg.i18n": 2,
    "wporg.privacy": 0,  # warnings only (as in Plugin Check, where it is experimental): see test_plugin_check_offline
    "phpcs": 3,
    # Issue 15: PrestaShop Addons' validator, the PrestaShop platform's rule family (forge/cms/prestashop/rules/).
    "addons.structure": 2,
    "addons.index-guard": 2,
    "addons.license-header": 2,
    "addons.forbidden": 3,
    "addons.exit": 2,
    "addons.tpl-escape": 2,
    # Issue 16: the JavaScript/TypeScript family (forge/gates/rules/js_*.py), for every platform's .js/.ts files.
    "js.eval": 7,
    "js.function-constructor": 4,
    "js.child-process": 5,
    "js.dynamic-require": 3,
    "js.host-not-allowed": 14,
    "js.secret": 6,
    "js.obfuscation": 3,
    "js.minified": 0,  # a warning only: see tests/unit/gates/test_js_family.py
}
# The rules that run an external tool: their fixture tests are integration tests.
TOOL_RULES = frozenset({"phpcs"})


# The platforms' own rule families (forge.cms.<platform>: analyser_rules) run beside the registry's.
PLATFORM_RULES = tuple(rule for name in ("woocommerce", "prestashop") for rule in get_platform(name).analyser_rules)


def errors_of(rule: str, kind: str) -> list[str]:
    report = scan(FIXTURES / rule / kind, HOSTS, only=[rule], platform_rules=PLATFORM_RULES)
    return [f"{f.rule} {f.path}:{f.line} {f.message}" for f in report.errors]


def assert_bad_fixture_is_caught(rule: str) -> None:
    errors = errors_of(rule, "bad")
    assert len(errors) == EXPECTED_ERRORS[rule], "\n".join(errors)
    assert all(e.split()[0] == rule or (rule == "phpcs" and e.startswith("phpcs.")) for e in errors), errors
