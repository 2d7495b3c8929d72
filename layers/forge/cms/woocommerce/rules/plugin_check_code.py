"""WordPress.org Plugin Check's code and file checks that need no network (docs/quality-gates.md lists each check
of Plugin Check and the rule that covers it): direct file access and uninstall guards, the plugin-review sniffs and
discouraged functions, direct database queries, settings sanitization, how scripts and styles are loaded, admin
menus and updaters, file types, prefixing, i18n usage and personal data exporters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from tree_sitter import Node

from forge.cms.woocommerce.rules.plugin_check import plugin_slug
from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import PhpFile, arguments, call_name, line, method_name, string_value, text, walk

EXCLUDED_DIRS = ("tests/", "vendor/", "node_modules/")
# Plugin Check's direct_file_access: statements that only declare things are safe to load directly.
DECLARATIONS = frozenset(
    {
        "php_tag",
        "text_interpolation",
        "comment",
        "namespace_definition",
        "namespace_use_declaration",
        "class_declaration",
        "interface_declaration",
        "trait_declaration",
        "enum_declaration",
        "declare_statement",
        "empty_statement",
    }
)
GUARD_CONSTANTS = ("ABSPATH", "WPINC")
# plugin-review.xml: errors (forbidden or "WordPress does it better"), then warnings (discouraged, development).
FORBIDDEN = {
    "load_plugin_textdomain": "WordPress.org loads a hosted plugin's translations itself (since WordPress 4.6)",
    "move_uploaded_file": "use wp_handle_upload()",
    "str_rot13": "obfuscation",
    "parse_url": "use wp_parse_url()",
    "strip_tags": "use wp_strip_all_tags()",
    "rand": "use wp_rand()",
    "mt_rand": "use wp_rand()",
    "srand": "seeding is WordPress's",
    "mt_srand": "seeding is WordPress's",
    "date": "use gmdate() or wp_date()",
    "date_default_timezone_set": "WordPress keeps PHP's timezone at UTC",
    "unlink": "use wp_delete_file()",
    "rmdir": "use WP_Filesystem",
    "mkdir": "use wp_mkdir_p() or WP_Filesystem",
    "rename": "use WP_Filesystem",
    "chmod": "use WP_Filesystem",
    "fopen": "use WP_Filesystem",
    "fwrite": "use WP_Filesystem",
    "fputs": "use WP_Filesystem",
    "fread": "use WP_Filesystem",
    "fclose": "use WP_Filesystem",
    "readfile": "use WP_Filesystem",
    "is_writable": "use WP_Filesystem",
    "is_writeable": "use WP_Filesystem",
    "touch": "use WP_Filesystem",
}
FORBIDDEN_PREFIXES = {"curl_": "use the WordPress HTTP API", "mysql_": "use $wpdb", "mysqli_": "use $wpdb"}
DISCOURAGED = {
    "set_time_limit": "do not change PHP's time limit",
    "ini_set": "do not change PHP's configuration",
    "ini_alter": "do not change PHP's configuration",
    "dl": "do not load PHP extensions",
    "error_reporting": "a development function",
    "error_log": "a development function",
    "var_export": "a development function",
    "debug_backtrace": "a development function",
    "wp_redirect": "use wp_safe_redirect() (Plugin Check safe_redirect)",
}
RESTRICTED_CLASSES = frozenset({"pdo", "mysqli", "pdostatement", "mysqli_result"})
WPDB_QUERY_METHODS = frozenset({"query", "get_var", "get_row", "get_col", "get_results"})
LOCALHOST = re.compile(r"(?:https?://|//)(?:localhost|127\.0\.0\.1|\[::1\])(?:[:/]|$)", re.I)
FIVE_STAR = re.compile(r"(?:wordpress|wp)\.org/.*reviews/\?filter=5", re.I)
# Plugin Check's file_type: application files (the extensions it lists), AI tools' folders, badly named files.
APPLICATION_EXTENSIONS = frozenset(
    {"a", "bin", "bpk", "deploy", "dist", "distz", "dmg", "dms", "ds_store", "dump", "elc", "exe", "iso", "lha", "lrf",
     "lzh", "o", "obj", "phar", "pkg", "sh", "so"}
)  # fmt: skip
AI_FOLDERS = (".cursor", ".claude", ".aider", ".continue", ".windsurf", ".ai", ".github")
BAD_NAME = re.compile(r"""[\s!@#$%^&*()+=\[\]{};:"'<>,?\\|`~]""")
ROOT_MARKDOWN_ALLOWED = frozenset({"readme.md", "changelog.md", "license.md", "contributing.md", "security.md"})
ENQUEUE_FUNCTIONS = frozenset({"wp_enqueue_script", "wp_register_script", "wp_enqueue_style", "wp_register_style"})
SCRIPT_FUNCTIONS = frozenset({"wp_enqueue_script", "wp_register_script"})
ASSET_BUDGET = 293 * 1024  # Plugin Check's enqueued_scripts_size / enqueued_styles_size threshold
PRINTED_RESOURCE = re.compile(r"<script[^>]*\bsrc=|<link[^>]*rel=['\"]?stylesheet", re.I)
REACT_19_REMOVED = re.compile(r"\b(?:ReactDOM\.(?:render|hydrate|unmountComponentAtNode|findDOMNode)|findDOMNode)\s*\(")
UPDATER_HOOKS = frozenset(
    {"pre_set_site_transient_update_plugins", "site_transient_update_plugins", "auto_update_plugin", "plugins_api"}
)
PERSONAL_DATA_CALLS = frozenset({"add_user_meta", "update_user_meta", "add_comment_meta", "update_comment_meta"})
I18N_TEXT = frozenset({"__", "_e", "esc_html__", "esc_html_e", "esc_attr__", "esc_attr_e", "_x", "_ex", "_n", "_nx"})
PLACEHOLDER = re.compile(r"%(?:\d+\$)?[sdfFuxXbcoeEgG]")
RESERVED_PREFIXES = ("wp_", "_wp", "wc_", "woocommerce_", "__")
QUERY_ARGS_SLOW = {"posts_per_page": "-1", "numberposts": "-1", "nopaging": "true", "orderby": "rand"}


def _php(ctx: ScanContext) -> Iterator[tuple[str, PhpFile]]:
    for path, php in ctx.php.items():
        if not path.startswith(EXCLUDED_DIRS):
            yield path, php


def _source(ctx: ScanContext, path: str) -> str:
    return ctx.php[path].source.decode("utf-8", "replace")


def _calls(php: PhpFile) -> Iterator[tuple[Node, str]]:
    for node in walk(php.root):
        name = call_name(node)
        if name and node.type == "function_call_expression":
            yield node, name.lower().lstrip("\\")


# ---- direct_file_access, plugin_uninstall ----------------------------------------------------------------------


def _guards(source: str, constants: tuple[str, ...]) -> bool:
    head = source[:20000]
    names = "|".join(constants)
    defined = rf"defined\s*\(\s*['\"](?:{names})['\"]\s*\)"
    return bool(
        re.search(rf"{defined}\s*(?:\|\||or)\s*(?:exit|die)\b", head, re.I)
        or re.search(rf"if\s*\(\s*!\s*{defined}\s*\)\s*\{{?\s*(?:exit|die)\b", head, re.I)
    )


def _only_declarations(php: PhpFile) -> bool:
    return all(child.type in DECLARATIONS for child in php.root.named_children)


def _direct_file_access(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in _php(ctx):
        if path == "uninstall.php":
            if not _guards(_source(ctx, path), ("WP_UNINSTALL_PLUGIN",)):
                yield ctx.hit(rule, path, 1, "uninstall.php must exit unless WP_UNINSTALL_PLUGIN is defined")
            continue
        if not _guards(_source(ctx, path), GUARD_CONSTANTS) and not _only_declarations(php):
            yield ctx.hit(rule, path, 1, "PHP file runs code without an `defined( 'ABSPATH' ) || exit;` guard")


# ---- plugin-review sniffs, no_unfiltered_uploads, localhost, plugin_content, performant queries -----------------


def _discouraged(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in _php(ctx):
        yield from _discouraged_calls(rule, ctx, path, php)
        yield from _discouraged_nodes(rule, ctx, path, php)


def _discouraged_calls(rule: Rule, ctx: ScanContext, path: str, php: PhpFile) -> Iterator[Finding]:
    for node, name in _calls(php):
        why = FORBIDDEN.get(name) or next((w for p, w in FORBIDDEN_PREFIXES.items() if name.startswith(p)), None)
        if why:
            yield ctx.hit(rule, path, line(node), f"{name}() is not allowed on WordPress.org: {why}")
        elif name in DISCOURAGED:
            yield ctx.hit(rule, path, line(node), f"{name}() is discouraged: {DISCOURAGED[name]}", Severity.WARNING)
        elif name == "define":
            args = arguments(node)
            if args and string_value(args[0]) == "ALLOW_UNFILTERED_UPLOADS":
                yield ctx.hit(rule, path, line(node), "ALLOW_UNFILTERED_UPLOADS may not be defined by a plugin")


def _discouraged_nodes(rule: Rule, ctx: ScanContext, path: str, php: PhpFile) -> Iterator[Finding]:
    for node in walk(php.root):
        if node.type == "object_creation_expression":
            created = text(node).removeprefix("new").strip().split("(")[0].strip().lstrip("\\")
            if created.lower() in RESTRICTED_CLASSES:
                yield ctx.hit(rule, path, line(node), f"new {created}: use $wpdb, not a database driver")
        elif node.type in ("heredoc", "nowdoc"):
            yield ctx.hit(rule, path, line(node), "heredoc/nowdoc syntax is not allowed (Plugin Check)")
        elif node.type == "array_creation_expression":
            yield from _slow_query_args(rule, ctx, path, node)
        value = string_value(node) if node.type in ("string", "encapsed_string") else None
        if value and LOCALHOST.search(value):
            yield ctx.hit(rule, path, line(node), f"localhost URL in the plugin: {value[:60]}")
        if value and FIVE_STAR.search(value):
            yield ctx.hit(rule, path, line(node), "linking to 5-star reviews is not allowed")


def _slow_query_args(rule: Rule, ctx: ScanContext, path: str, node: Node) -> Iterator[Finding]:
    for element in node.named_children:
        if element.type != "array_element_initializer" or len(element.named_children) != 2:
            continue
        key = string_value(element.named_children[0])
        value = text(element.named_children[1]).strip("'\"").lower()
        if key in QUERY_ARGS_SLOW and value == QUERY_ARGS_SLOW[key]:
            message = f"'{key}' => {value} makes a slow query (Plugin Check performant_wp_query_params)"
            yield ctx.hit(rule, path, line(element), message, Severity.WARNING)


# ---- direct_db_queries, direct_db -------------------------------------------------------------------------------


def _ignored(source: str, at: int, sniff: str) -> bool:
    lines = source.splitlines()
    nearby = lines[max(0, at - 2) : at]
    return any("phpcs:ignore" in ln and sniff in ln for ln in nearby)


def _prepared(node: Node) -> bool:
    """SQL from $wpdb->prepare(), or with nothing spliced in but $wpdb's table names."""
    if node.type == "member_call_expression" and method_name(node) == "prepare":
        return True
    if string_value(node) is not None:
        return True
    if node.type == "encapsed_string":
        literal = ("string_content", "string_value", "escape_sequence")
        spliced = [c for c in node.named_children if c.type not in literal]
        return all(re.fullmatch(r"\{?\$wpdb->\w+\}?", text(c)) for c in spliced)
    return False


def _direct_db(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in _php(ctx):
        for node in walk(php.root):
            if node.type != "member_call_expression" or method_name(node) not in WPDB_QUERY_METHODS:
                continue
            target = node.child_by_field_name("object")
            if target is None or text(target) != "$wpdb":
                continue
            args = arguments(node)
            at = line(node)
            if args and not _prepared(args[0]):
                yield ctx.hit(rule, path, at, f"$wpdb->{method_name(node)}() with SQL not built by $wpdb->prepare()")
            elif not _ignored(_source(ctx, path), at, "DirectDatabaseQuery"):
                message = f"direct database query $wpdb->{method_name(node)}(): prefer the WordPress APIs, or say why"
                yield ctx.hit(rule, path, at, message, Severity.WARNING)


# ---- setting_sanitization -----------------------------------------------------------------------------------------


def _settings(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in _php(ctx):
        for node, name in _calls(php):
            if name != "register_setting":
                continue
            args = arguments(node)
            third = args[2] if len(args) > 2 else None
            sanitized = third is not None and (
                third.type != "array_creation_expression" or "'sanitize_callback'" in text(third)
                or '"sanitize_callback"' in text(third)
            )  # fmt: skip
            if not sanitized:
                yield ctx.hit(rule, path, line(node), "register_setting() without a sanitize_callback")


# ---- enqueued_resources, offloading_files, scripts in footer / strategy, sizes, react_usage -----------------------


def _remote(url: str, ctx: ScanContext) -> bool:
    return bool(re.match(r"^(?:https?:)?//", url, re.I))


def _enqueue(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in _php(ctx):
        yield from _enqueue_calls(rule, ctx, path, php)
        for node in walk(php.root):
            value = string_value(node) if node.type in ("string", "encapsed_string") else None
            if value and PRINTED_RESOURCE.search(value):
                yield ctx.hit(rule, path, line(node), "script or stylesheet printed directly: enqueue it")
    yield from _assets(rule, ctx)


def _enqueue_calls(rule: Rule, ctx: ScanContext, path: str, php: PhpFile) -> Iterator[Finding]:
    for node, name in _calls(php):
        if name not in ENQUEUE_FUNCTIONS:
            continue
        args = arguments(node)
        src = string_value(args[1]) if len(args) > 1 else None
        if src and _remote(src, ctx):
            yield ctx.hit(rule, path, line(node), f"{name}() loads {src[:60]} from another server (offloading)")
        if name in SCRIPT_FUNCTIONS and len(args) > 1 and len(args) < 5:
            message = f"{name}() sets no loading strategy or in_footer (Plugin Check enqueued_scripts_in_footer)"
            yield ctx.hit(rule, path, line(node), message, Severity.WARNING)


def _assets(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    """React APIs React 19 removed, and the page-weight budget of the shipped scripts and styles."""
    sizes = {"js": 0, "css": 0}
    for path, data in ctx.files.items():
        suffix = PurePosixPath(path).suffix.lstrip(".").lower()
        if path.startswith(EXCLUDED_DIRS):
            continue
        if suffix in sizes:
            sizes[suffix] += len(data)
        if suffix == "js":
            for number, source_line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
                if REACT_19_REMOVED.search(source_line):
                    message = "React API removed in React 19 (Plugin Check react_usage)"
                    yield ctx.hit(rule, path, number, message, Severity.WARNING)
    for kind, size in sizes.items():
        if size > ASSET_BUDGET:
            message = f"{size // 1024} KB of .{kind} files: more than Plugin Check's 293 KB per page if all load"
            yield ctx.hit(rule, ".", 1, message, Severity.WARNING)


# ---- external_admin_menu_links, menu_image_icon, plugin_updater -----------------------------------------------------


def _admin(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in _php(ctx):
        for node, name in _calls(php):
            args = arguments(node)
            if name in ("add_menu_page", "add_submenu_page"):
                slug_at = 3 if name == "add_menu_page" else 4
                slug = string_value(args[slug_at]) if len(args) > slug_at else None
                if slug and _remote(slug, ctx):
                    yield ctx.hit(rule, path, line(node), f"{name}() links the admin menu to {slug[:60]}")
                icon = string_value(args[5]) if name == "add_menu_page" and len(args) > 5 else None
                if icon and re.search(r"\.(?:png|jpe?g|gif|webp|bmp)$", icon, re.I):
                    message = "menu icon is a raster image: use a dashicon or an SVG data URI"
                    yield ctx.hit(rule, path, line(node), message, Severity.WARNING)
            elif name in ("add_filter", "add_action") and args and string_value(args[0]) in UPDATER_HOOKS:
                hook = string_value(args[0])
                yield ctx.hit(rule, path, line(node), f"hooks {hook}: WordPress.org plugins may not alter updates")


# ---- file_type ------------------------------------------------------------------------------------------------------


def _file_type(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    for path in sorted(ctx.files):
        parts = path.split("/")
        name = parts[-1]
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension in APPLICATION_EXTENSIONS:
            yield ctx.hit(rule, path, 1, f"application file (.{extension}) is not permitted")
        if any(part in AI_FOLDERS for part in parts[:-1]):
            yield ctx.hit(rule, path, 1, "AI tool or development folder is not permitted in the plugin")
        if BAD_NAME.search(name):
            yield ctx.hit(rule, path, 1, "badly named file (spaces or special characters)")
        if len(parts) == 1 and extension == "md" and name.lower() not in ROOT_MARKDOWN_ALLOWED:
            yield ctx.hit(rule, path, 1, "unexpected markdown file in the plugin's root", Severity.WARNING)
        if path.startswith(EXCLUDED_DIRS):
            continue
        lowered = name.lower()
        if lowered in seen and lowered != "index.php":
            yield ctx.hit(rule, path, 1, f"duplicated file name (also {seen[lowered]})", Severity.WARNING)
        seen.setdefault(lowered, path)


# ---- prefixing ------------------------------------------------------------------------------------------------------


def _prefixes(ctx: ScanContext) -> tuple[str, ...]:
    base = re.sub(r"[^a-z0-9]+", "_", plugin_slug(ctx).lower()).strip("_")
    first = base.split("_")[0]
    return tuple(p for p in {base, first if len(first) >= 4 else ""} if p)


def _declared(php: PhpFile) -> Iterator[tuple[Node, str, str]]:
    # `namespace X;` puts the rest of the file in X; `namespace X { }` what its braces hold.
    file_namespaced = any(c.type == "namespace_definition" for c in php.root.named_children)
    for node in walk(php.root):
        if node.type in ("function_definition", "class_declaration", "interface_declaration", "trait_declaration"):
            name = node.child_by_field_name("name")
            inside_namespace = file_namespaced or any(a.type == "namespace_definition" for a in _ancestors(node))
            if name is not None and not inside_namespace:
                yield node, node.type.split("_")[0], text(name)
        elif call_name(node) == "define":
            args = arguments(node)
            value = string_value(args[0]) if args else None
            if value:
                yield node, "constant", value
        elif node.type == "assignment_expression" and node.parent is not None:
            left = node.child_by_field_name("left")
            top_level = node.parent.type == "expression_statement" and node.parent.parent is php.root
            if left is not None and left.type == "variable_name" and top_level:
                yield node, "global variable", text(left).lstrip("$")


def _ancestors(node: Node) -> Iterator[Node]:
    current = node.parent
    while current is not None:
        yield current
        current = current.parent


def _prefixing(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    prefixes = _prefixes(ctx)
    for path, php in _php(ctx):
        for node, kind, name in _declared(php):
            lowered = name.lower()
            if lowered.startswith(RESERVED_PREFIXES):
                yield ctx.hit(rule, path, line(node), f"{kind} {name} uses a prefix reserved for WordPress/WooCommerce")
            elif not lowered.startswith(prefixes):
                message = f"{kind} {name} is not prefixed with the plugin's prefix ({' or '.join(prefixes)})"
                yield ctx.hit(rule, path, line(node), message, Severity.WARNING)


# ---- i18n_usage -----------------------------------------------------------------------------------------------------


def _i18n(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in _php(ctx):
        lines = _source(ctx, path).splitlines()
        for node, name in _calls(php):
            if name not in I18N_TEXT:
                continue
            args = arguments(node)
            if not args:
                continue
            literal = string_value(args[0])
            if literal is None:
                message = f"{name}() must translate a string literal, not {text(args[0])[:40]}"
                yield ctx.hit(rule, path, line(node), message)
                continue
            if PLACEHOLDER.search(literal):
                at = line(node)
                before = "\n".join(lines[max(0, at - 6) : at])
                if "translators:" not in before:
                    message = f"{name}() text with placeholders has no /* translators: */ comment"
                    yield ctx.hit(rule, path, at, message, Severity.WARNING)


# ---- personal_data_exporter -----------------------------------------------------------------------------------------


def _privacy(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    signal: tuple[str, int] | None = None
    exporter = False
    for path, php in _php(ctx):
        for node, name in _calls(php):
            args = arguments(node)
            if name in PERSONAL_DATA_CALLS and signal is None:
                signal = (path, line(node))
            if name == "add_filter" and args and string_value(args[0]) == "wp_privacy_personal_data_exporters":
                exporter = True
        for node in walk(php.root):
            target = node.child_by_field_name("object") if node.type == "member_call_expression" else None
            if target is not None and text(target) == "$wpdb" and method_name(node) in ("insert", "update", "replace"):
                signal = signal or (path, line(node))
    if signal and not exporter:
        message = "stores data that may be personal without a wp_privacy_personal_data_exporters exporter"
        yield ctx.hit(rule, signal[0], signal[1], message, Severity.WARNING)


RULES = (
    Rule("wporg.direct-file-access", Severity.ERROR, "direct file access and uninstall guards (Plugin Check)",
         _direct_file_access),
    Rule("wporg.discouraged", Severity.ERROR, "plugin-review sniffs, unfiltered uploads, localhost (Plugin Check)",
         _discouraged),
    Rule("wporg.direct-db", Severity.ERROR, "direct and unprepared database queries (Plugin Check)", _direct_db),
    Rule("wporg.settings", Severity.ERROR, "register_setting() sanitization (Plugin Check)", _settings),
    Rule("wporg.enqueue", Severity.ERROR, "how scripts and styles are loaded (Plugin Check)", _enqueue),
    Rule("wporg.admin", Severity.ERROR, "admin menu links and icons, update routines (Plugin Check)", _admin),
    Rule("wporg.file-type", Severity.ERROR, "application files, AI folders, file names (Plugin Check)", _file_type),
    Rule("wporg.prefixing", Severity.ERROR, "prefixed global names (Plugin Check)", _prefixing),
    Rule("wporg.i18n", Severity.ERROR, "translatable strings (Plugin Check i18n_usage)", _i18n),
    Rule("wporg.privacy", Severity.WARNING, "personal data exporters (Plugin Check)", _privacy),
)  # fmt: skip
