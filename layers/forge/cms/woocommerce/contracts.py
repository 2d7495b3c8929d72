"""Contract suites of the Test step for WooCommerce gateways: the forge's own tests, not the plugin's.

- events, webhooks and the runtime part of permissions run in PHP against the stand-ins (sandbox/contracts.php,
  inside the isolation, like PHPUnit);
- the static part of permissions (capability + nonce on admin handlers, input sanitised, output escaped) and the
  compatibility suite (header ranges vs the spec, `php -l` under every installed PHP in range) are computed here
  from the source, parsed with tree-sitter (never executed).

Each result is a plugin_contract_tests row: {suite, name, result: pass|fail|skip, details}.
"""

from __future__ import annotations

import glob
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tree_sitter import Node

from forge.cms import provider_api
from forge.cms.base import Command, SuiteOutcome
from forge.cms.woocommerce.rules.plugin_check import read_headers
from forge.cms.woocommerce.sandbox_versions import woocommerce_tested_up_to, wordpress_tested_up_to
from forge.gates.php_ast import (
    PhpFile,
    arguments,
    built_from,
    call_name,
    line,
    missing_guards,
    parse_php,
    string_value,
    text,
    walk,
)
from forge.gates.request_data import REQUEST_SUPERGLOBALS
from forge.isolation.runner import Limits, Runner
from forge.models.results import CompatibilityRow, TestRow
from forge.models.spec import PluginSpec
from forge.packaging.archive import write_tree

Result = TestRow
CONTRACTS_PHP = Path(__file__).resolve().parent / "sandbox" / "contracts.php"
ADMIN_HOOK_PREFIXES = ("wp_ajax_", "admin_post_", "admin_action_")
SANITIZERS = frozenset(
    {
        "absint",
        "intval",
        "floatval",
        "boolval",
        "wc_clean",
        "wp_verify_nonce",
        "isset",
        "empty",
        "is_numeric",
        "sanitize_key",
        "sanitize_text_field",
        "sanitize_email",
        "sanitize_title",
        "sanitize_textarea_field",
        "sanitize_file_name",
        "sanitize_user",
        "esc_url_raw",
        "rest_sanitize_boolean",
        "wc_format_decimal",
    }
)
ESCAPERS = frozenset({"absint", "intval", "number_format", "wp_json_encode", "wc_price", "count"})
TRANSPARENT = frozenset({"wpautop", "wptexturize", "trim", "implode", "sprintf"})
UNESCAPED_PRINTERS = frozenset({"_e", "_ex"})
EXCLUDED = ("tests/", "vendor/")


def contract_file(spec: PluginSpec, allowed_hosts: list[str]) -> bytes:
    from forge.cms.woocommerce.platform import telemetry_prefix

    hosts = {urlsplit(u).hostname for u in (spec.api_base_url, spec.api_sandbox_base_url) if u}
    payload = {
        "allowed_hosts": allowed_hosts,
        # Requests to these hosts are answered by the fake provider (provider/), which validates them against the
        # provider API document; the idempotency key's pattern comes from it too.
        "provider_hosts": sorted(h for h in hosts if h),
        "idempotency_key_pattern": provider_api.idempotency_key_schema()["pattern"],
        "api": {"live": spec.api_base_url, "test": spec.api_sandbox_base_url or spec.api_base_url},
        # The plugin's telemetry actions are <prefix>_payment_succeeded, ..._failed, _refund_succeeded, ..._failed.
        "event_prefix": telemetry_prefix(spec),
        "currency": spec.currencies[0],
        "features": spec.features.model_dump(),
    }
    return json.dumps(payload).encode()


def contract_command(main_file: str) -> Command:
    """Run from the working directory holding `plugin/`, `sandbox/` and `contract.json`."""
    return Command(
        argv=("php", "-d", "display_errors=stderr", "sandbox/contracts.php", f"plugin/{main_file}", "contract.json"),
        label="contract suites",
    )


def parse_results(stdout: str) -> list[Result]:
    lines = [ln for ln in stdout.splitlines() if ln.startswith("[")]
    if not lines:
        return []
    data = json.loads(lines[-1])
    return [TestRow(suite=r["suite"], name=r["name"], result=r["result"], details=r.get("details") or {}) for r in data]


def _row(suite: str, name: str, ok: bool | None, **details: Any) -> Result:
    result = "skip" if ok is None else ("pass" if ok else "fail")
    return TestRow.model_validate(
        {"suite": suite, "name": name, "result": result, "details": {k: v for k, v in details.items() if v is not None}}
    )


def _php_files(plugin: Path) -> dict[str, PhpFile]:
    files = {}
    for path in sorted(plugin.rglob("*.php")):
        rel = path.relative_to(plugin).as_posix()
        if not rel.startswith(EXCLUDED):
            files[rel] = parse_php(rel, path.read_bytes())
    return files


def _functions(files: dict[str, PhpFile]) -> dict[str, Node]:
    """Function and method bodies by lower-case name."""
    found: dict[str, Node] = {}
    for php in files.values():
        for node in walk(php.root):
            if node.type in ("function_definition", "method_declaration"):
                name = node.child_by_field_name("name")
                if name is not None:
                    found.setdefault(text(name).lower(), node)
    return found


def _callback_body(callback: Node, functions: dict[str, Node]) -> Node | None:
    if callback.type in ("anonymous_function", "arrow_function"):
        return callback
    literal = string_value(callback)
    if literal is not None:
        return functions.get(literal.split("::")[-1].lower())
    if callback.type == "array_creation_expression":
        parts = [c.named_children[-1] for c in callback.named_children if c.named_children]
        method = string_value(parts[-1]) if parts else None
        return functions.get(method.lower()) if method else None
    return None


def _admin_handlers(files: dict[str, PhpFile]) -> Iterator[Result]:
    functions = _functions(files)
    handlers = 0
    for path, php in files.items():
        for node in walk(php.root):
            if call_name(node) != "add_action":
                continue
            args = arguments(node)
            hook = string_value(args[0]) if args else None
            if not hook or not hook.startswith(ADMIN_HOOK_PREFIXES) or len(args) < 2:
                continue
            handlers += 1
            body = _callback_body(args[1], functions)
            missing = missing_guards(body)
            yield _row(
                "permissions",
                f"admin_handler:{hook}",
                not missing,
                file=f"{path}:{line(node)}",
                missing=missing or None,
                found=body is not None,
            )
    if not handlers:
        yield _row(
            "permissions",
            "admin_handlers_check_capability_and_nonce",
            True,
            note="no wp_ajax_/admin_post_ handlers; settings are saved through WooCommerce's own screen",
        )


def _sanitised(node: Node) -> bool:
    current = node.parent
    while current is not None and current.type not in ("expression_statement", "return_statement"):
        if call_name(current) in SANITIZERS or current.type == "cast_expression":
            return True
        current = current.parent
    return False


def _inputs(files: dict[str, PhpFile]) -> Result:
    raw = []
    for path, php in files.items():
        for node in walk(php.root):
            if node.type == "subscript_expression" and node.named_children:
                base = node.named_children[0]
                if base.type == "variable_name" and text(base) in REQUEST_SUPERGLOBALS and not _sanitised(node):
                    raw.append(f"{path}:{line(node)} {text(node)[:60]}")
    return _row("permissions", "request_input_sanitised", not raw, unsanitised=raw or None)


def _escaped_part(node: Node) -> bool:
    if string_value(node) is not None or node.type in ("integer", "float", "name", "class_constant_access_expression"):
        return True
    if node.type == "cast_expression":
        return True
    name = call_name(node)
    if name is None:
        return False
    if name.startswith(("esc_", "wp_kses")) or name in ESCAPERS:
        return True
    if name in TRANSPARENT:
        return all(_escaped(a) for a in arguments(node))
    return False


def _escaped(node: Node) -> bool:
    """Printed output made only of literals, numbers and escaping calls (either outcome of a ternary)."""
    return built_from(node, _escaped_part, ternary_branches=True)


def _outputs(files: dict[str, PhpFile]) -> Result:
    unescaped = []
    for path, php in files.items():
        for node in walk(php.root):
            if node.type in ("echo_statement", "print_intrinsic"):
                values = [c for c in node.named_children if c.type != "sequence_expression"]
                values += [c for s in node.named_children if s.type == "sequence_expression" for c in s.named_children]
                bad = [v for v in values if not _escaped(v)]
            elif call_name(node) in ("printf", "vprintf"):
                bad = [a for a in arguments(node) if not _escaped(a)]
            elif call_name(node) in UNESCAPED_PRINTERS:
                bad = [node]
            else:
                continue
            unescaped += [f"{path}:{line(b)} {text(b)[:60]}" for b in bad]
    return _row("permissions", "output_escaped", not unescaped, unescaped=unescaped or None)


def _headers(spec: PluginSpec, plugin: Path, main_file: str) -> Iterator[Result]:
    main = (plugin / main_file).read_bytes() if (plugin / main_file).is_file() else b""
    readme = (plugin / "readme.txt").read_bytes() if (plugin / "readme.txt").is_file() else b""
    wordpress, woocommerce = spec.version_range("wordpress"), spec.version_range("platform")
    # "Tested up to" claims only what the Sandbox step runs (forge.cms.woocommerce.sandbox_versions); the Sandbox
    # step checks the readme against the version it ran.
    expected = {
        (main_file, "Requires at least"): wordpress.min,
        (main_file, "Requires PHP"): spec.version_range("php").min,
        (main_file, "WC requires at least"): woocommerce.min,
        (main_file, "WC tested up to"): woocommerce_tested_up_to(spec),
        ("readme.txt", "Requires at least"): wordpress.min,
        ("readme.txt", "Tested up to"): wordpress_tested_up_to(spec),
        ("readme.txt", "Requires PHP"): spec.version_range("php").min,
        ("readme.txt", "WC tested up to"): woocommerce_tested_up_to(spec),
    }
    for (where, header), want in expected.items():
        found = read_headers(main if where == main_file else readme, (header,)).get(header, ("", 0))[0]
        yield _row("compatibility", f"header:{where}:{header}", found == want, expected=want, found=found or None)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:2])


def installed_php_versions() -> list[str]:
    """PHP CLIs installed side by side (Debian: /usr/bin/php8.2, ...)."""
    found = {Path(p).name.removeprefix("php") for p in glob.glob("/usr/bin/php[0-9].[0-9]")}
    return sorted(found, key=_version_key)


def php_lint_commands(spec: PluginSpec, plugin: Path) -> tuple[list[tuple[str, Command]], list[str]]:
    """`php<version> -l` for every PHP file, per installed version inside the spec's range; and the versions in
    range that are not installed here (reported in the rows' details, not silently dropped)."""
    low, high = _version_key(spec.version_range("php").min), _version_key(spec.version_range("php").tested)
    installed = installed_php_versions()
    files = sorted(p.relative_to(plugin).as_posix() for p in plugin.rglob("*.php"))
    wanted = [f"{major}.{minor}" for major in range(low[0], high[0] + 1) for minor in range(0, 5)]
    wanted = [v for v in wanted if low <= _version_key(v) <= high]
    commands = [
        (version, Command(argv=(f"php{version}", "-l", rel), label=f"php{version} -l {rel}"))
        for version in wanted
        if version in installed
        for rel in files
    ]
    return commands, [v for v in wanted if v not in installed]


def static_results(spec: PluginSpec, plugin: Path, main_file: str) -> list[Result]:
    files = _php_files(plugin)
    return [*_admin_handlers(files), _inputs(files), _outputs(files), *_headers(spec, plugin, main_file)]


def run_suites(
    spec: PluginSpec, workdir: Path, runner: Runner, limits: Limits, allowed_hosts: list[str]
) -> SuiteOutcome:
    """Every suite over `workdir/plugin`. PHP runs through `runner` (the isolation); parsing happens here."""
    from forge.cms.woocommerce.platform import main_file, sandbox_files

    main = main_file(spec)
    plugin = workdir / "plugin"
    fake = provider_api.fake_files("provider", spec.api_base_url, spec.api_sandbox_base_url)
    write_tree({**sandbox_files(), **fake, "sandbox/contracts.php": CONTRACTS_PHP.read_bytes()}, workdir)
    (workdir / "contract.json").write_bytes(contract_file(spec, allowed_hosts))
    command = contract_command(main)
    done = runner.run(command.argv, workdir, limits)
    logs = [done.describe()]
    rows = parse_results(done.stdout) if done.ok else []
    if not rows:
        rows.append(
            _row("events", "contract_runner_completed", False, exit=done.returncode, stderr=done.stderr[-2000:])
        )
    elif done.stderr.strip():
        rows.append(_row("events", "no_php_diagnostics", False, stderr=done.stderr[-2000:]))
    rows += static_results(spec, plugin, main)
    commands, not_installed = php_lint_commands(spec, plugin)
    if not commands:
        rows.append(
            _row(
                "compatibility",
                "php_lint",
                False,
                reason="no PHP in the spec's range is installed here",
                not_installed=not_installed,
            )
        )
    compat: list[CompatibilityRow] = []
    for version in sorted({v for v, _ in commands}):
        results = [runner.run(c.argv, plugin, limits) for v, c in commands if v == version]
        failed = [r for r in results if not r.ok]
        logs += [r.describe() for r in failed]
        detail = (failed[0].stdout.strip() or failed[0].stderr.strip())[:500] if failed else None
        rows.append(
            _row(
                "compatibility",
                f"php_lint:{version}",
                not failed,
                files=len(results),
                first_error=detail,
                not_installed_in_range=not_installed or None,
            )
        )
        compat.append(
            CompatibilityRow(
                cms=spec.platform,
                cms_version="syntax",
                php_version=version,
                passed=not failed,
                details={"files": len(results), "check": f"php{version} -l"},
            )
        )
    return SuiteOutcome(rows=rows, compatibility=compat, log="\n".join(logs))
