"""PrestaShop Addons' module validator, the parts that need no network (docs/quality-gates.md, "PrestaShop Addons"):
structure, index.php guards, license headers, forbidden functions, die/exit only as the _PS_VERSION_ guard, and
escaping in Smarty templates."""

from __future__ import annotations

import re
from collections.abc import Iterator

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import PhpFile, call_name, line, text, walk

EXCLUDED_DIRS = ("tests/", "vendor/", "node_modules/")
MODULE_CLASS = re.compile(rb"^\s*class\s+(\w+)\s+extends\s+(?:PaymentModule|Module|CarrierModule)\b", re.M | re.I)
LICENSE = re.compile(rb"@license\s+\S+")
GUARD = re.compile(
    r"^\s*if\s*\(\s*!\s*defined\s*\(\s*['\"]_PS_VERSION_['\"]\s*\)\s*\)\s*\{?\s*exit\s*;?\s*\}?\s*$", re.S
)
# The validator's forbidden and discouraged calls, with what PrestaShop offers instead.
FORBIDDEN = {
    "var_dump": "debug output",
    "print_r": "debug output",
    "var_export": "debug output",
    "debug_zval_dump": "debug output",
    "debug_print_backtrace": "debug output",
    "phpinfo": "leaks the server's configuration",
    "error_reporting": "the shop decides error reporting",
    "ini_set": "the shop decides PHP's settings",
    "set_time_limit": "the shop decides PHP's settings",
    "mail": "use Mail::Send()",
    "serialize": "use json_encode()",
    "unserialize": "use json_decode() (object injection)",
    "file_get_contents": "use Tools::file_get_contents()",
    "curl_exec": "use Tools::file_get_contents() or PrestaShop's HTTP client",
    "header": "use Tools::redirect() (headers belong to the controller)",
}
# `{$var}` in a template, outside a tag's own expression (`{if $x}`, `{foreach from=$list}`).
TPL_VARIABLE = re.compile(r"\{\s*(\$[^}]*)\}")
TPL_ESCAPED = re.compile(
    r"\|\s*escape\s*:\s*['\"](?:html|htmlall|javascript|url|quotes)['\"]|\|\s*intval\b|\|\s*floatval\b"
)


def _shipped(ctx: ScanContext) -> list[str]:
    return [p for p in sorted(ctx.files) if not p.startswith(EXCLUDED_DIRS)]


def _module_name(ctx: ScanContext) -> str | None:
    """The module's name, as PrestaShop finds it: the root-level `<name>.php` declaring the class `<name>`."""
    for path in sorted(p for p in ctx.files if "/" not in p and p.endswith(".php") and p != "index.php"):
        found = MODULE_CLASS.search(ctx.files[path][:65536])
        if found and found.group(1).decode().lower() == path.removesuffix(".php").lower():
            return path.removesuffix(".php")
    return None


def _structure(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    name = _module_name(ctx)
    if name is None:
        yield ctx.hit(rule, ".", 1, "no root-level <name>.php declaring the class <name> extends Module/PaymentModule")
        return
    if not re.fullmatch(r"[a-z][a-z0-9]*", name):
        yield ctx.hit(rule, f"{name}.php", 1, f"module name '{name}': lowercase letters and digits only")
    for required in ("config.xml", "logo.png"):
        if required not in ctx.files:
            yield ctx.hit(rule, required, 1, f"{required} is missing (the back office shows the module from it)")
    config = ctx.files.get("config.xml", b"")
    if config and not re.search(rb"<name>\s*" + re.escape(name.encode()) + rb"\s*</name>", config):
        yield ctx.hit(rule, "config.xml", 1, f"config.xml does not name the module '{name}'")


def _index_guards(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    folders = {""}
    for path in _shipped(ctx):
        parts = path.split("/")[:-1]
        folders.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    for folder in sorted(folders):
        index = f"{folder}/index.php" if folder else "index.php"
        if index not in ctx.files:
            yield ctx.hit(rule, index, 1, f"folder '{folder or '.'}' has no index.php guard")


def _license_headers(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path in _shipped(ctx):
        if path.endswith((".php", ".tpl", ".js", ".css")) and not LICENSE.search(ctx.files[path][:4096]):
            yield ctx.hit(rule, path, 1, "no license header (@license in the file's first comment)")


def _php(ctx: ScanContext) -> Iterator[tuple[str, PhpFile]]:
    for path, php in sorted(ctx.php.items()):
        if not path.startswith(EXCLUDED_DIRS) and path.rsplit("/", 1)[-1] != "index.php":
            yield path, php


def _forbidden(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in _php(ctx):
        for node in walk(php.root):
            if node.type != "function_call_expression":
                continue
            name = (call_name(node) or "").lower()
            if name in FORBIDDEN:
                yield ctx.hit(
                    rule, path, line(node), f"{name}() is not allowed on PrestaShop Addons: {FORBIDDEN[name]}"
                )


def _exits(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in _php(ctx):
        guarded = False
        for statement in php.root.children:
            if statement.type in ("php_tag", "comment", "namespace_use_declaration", "namespace_definition"):
                continue
            if statement.type == "if_statement" and GUARD.match(text(statement)):
                guarded = True
            break
        if not guarded:
            yield ctx.hit(rule, path, 1, "the file does not start with if (!defined('_PS_VERSION_')) { exit; }")
        for node in walk(php.root):
            # `exit`/`exit(1)` parse as a statement, `die(...)` as a call.
            is_die = node.type == "function_call_expression" and (call_name(node) or "").lower() == "die"
            if node.type != "exit_statement" and not is_die:
                continue
            statement = node.parent if is_die and node.parent is not None else node
            block = statement.parent
            owner = block.parent if block is not None and block.type == "compound_statement" else block
            if owner is not None and owner.type == "if_statement" and GUARD.match(text(owner)):
                continue
            yield ctx.hit(
                rule, path, line(node), "die/exit outside the _PS_VERSION_ guard (stops the shop mid-request)"
            )


def _templates(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path in _shipped(ctx):
        if not path.endswith(".tpl"):
            continue
        source = ctx.files[path].decode("utf-8", "replace")
        source = re.sub(r"\{\*.*?\*\}", lambda m: "\n" * m.group(0).count("\n"), source, flags=re.S)
        for match in TPL_VARIABLE.finditer(source):
            expression = match.group(1)
            if "nofilter" in expression or not TPL_ESCAPED.search(expression):
                at = source.count("\n", 0, match.start()) + 1
                yield ctx.hit(rule, path, at, f"{{{expression}}} is printed without an escape modifier")


RULES = (
    Rule("addons.structure", Severity.ERROR, "module structure: <name>.php, class, config.xml, logo.png", _structure),
    Rule("addons.index-guard", Severity.ERROR, "an index.php guard in every folder (PrestaShop Addons)", _index_guards),
    Rule("addons.license-header", Severity.ERROR, "a license header in every source file (Addons)", _license_headers),
    Rule("addons.forbidden", Severity.ERROR, "functions PrestaShop Addons refuses", _forbidden),
    Rule("addons.exit", Severity.ERROR, "_PS_VERSION_ guard first; no die/exit elsewhere (Addons)", _exits),
    Rule("addons.tpl-escape", Severity.ERROR, "every Smarty variable escaped (PrestaShop Addons)", _templates),
)
