"""The WordPress.org Plugin Check checks that run offline: headers, readme.txt, text domain, trademarks (the code and
file checks are in plugin_check_code; docs/quality-gates.md maps every Plugin Check check to its rule)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import arguments, call_name, line, string_value, walk

PLUGIN_NAME_HEADER = re.compile(rb"^[ \t/*#@]*Plugin Name:", re.M)
REQUIRED_HEADERS = ("Plugin Name", "Version", "License", "Text Domain")
RECOMMENDED_HEADERS = ("Description", "Author", "Requires at least", "Requires PHP")
GPL_COMPATIBLE = re.compile(r"GPL|General Public License|MIT|BSD|Apache|MPL|LGPL|Expat|ISC", re.I)
VERSION = re.compile(r"^\d+(\.\d+){0,3}$")
# i18n function -> index of its text-domain argument.
I18N = {
    "__": 1,
    "_e": 1,
    "esc_html__": 1,
    "esc_html_e": 1,
    "esc_attr__": 1,
    "esc_attr_e": 1,
    "_x": 2,
    "_ex": 2,
    "esc_html_x": 2,
    "esc_attr_x": 2,
    "_n": 3,
    "_nx": 4,
    "_n_noop": 2,
    "_nx_noop": 3,
    "load_plugin_textdomain": 0,
}
# WordPress.org Plugin Check's list (checks/trademarks.php): a trailing "-" forbids the term as a prefix;
# otherwise it may not appear at all, except "for-<term>" at the end for the for-use exceptions.
TRADEMARKS = (
    "adobe-", "adsense-", "advanced-custom-fields-", "adwords-", "akismet-", "all-in-one-wp-migration",
    "amazon-", "android-", "apple-", "applenews-", "applepay-", "aws-", "azon-", "bbpress-", "bing-",
    "booking-com", "bootstrap-", "buddypress-", "chatgpt-", "chat-gpt-", "cloudflare-", "contact-form-7-",
    "cpanel-", "disqus-", "divi-", "dropbox-", "easy-digital-downloads-", "elementor-", "envato-", "fbook",
    "facebook", "fb-", "fb-messenger", "fedex-", "feedburner", "firefox-", "fontawesome-", "font-awesome-",
    "ganalytics-", "gberg", "github-", "givewp-", "google-", "googlebot-", "googles-", "gravity-form-",
    "gravity-forms-", "gravityforms-", "gtmetrix-", "gutenberg", "guten-", "hubspot-", "ig-", "insta-",
    "instagram", "internet-explorer-", "ios-", "jetpack-", "macintosh-", "macos-", "mailchimp-", "microsoft-",
    "ninja-forms-", "oculus", "onlyfans-", "only-fans-", "opera-", "paddle-", "paypal-", "pinterest-", "plugin",
    "skype-", "stripe-", "tiktok-", "tik-tok-", "trustpilot", "twitch-", "twitter-", "tweet", "ups-", "usps-",
    "vvhatsapp", "vvcommerce", "vva-", "vvoo", "wa-", "webpush-vn", "wh4tsapps", "whatsapp", "whats-app",
    "watson", "windows-", "wocommerce", "woocom-", "woocommerce", "woocomerce", "woo-commerce", "woo-", "wo-",
    "wordpress", "wordpess", "wpress", "wp-", "wp-mail-smtp-", "yandex-", "yahoo-", "yoast", "youtube-",
    "you-tube-",
)  # fmt: skip
FOR_USE_EXCEPTIONS = ("woocommerce",)
PORTMANTEAUS = ("woo",)


def read_headers(data: bytes, names: tuple[str, ...]) -> dict[str, tuple[str, int]]:
    """WordPress's get_file_data(): `Name: value` in the first 8 KiB, wherever the comment puts it."""
    head = data[:8192].decode("utf-8", errors="replace")
    found: dict[str, tuple[str, int]] = {}
    for name in names:
        match = re.search(rf"^[ \t/*#@]*{re.escape(name)}:(.*)$", head, re.M | re.I)
        if match:
            value = re.sub(r"\s*(?:\*/|\?>).*$", "", match.group(1)).strip()
            found[name] = (value, head.count("\n", 0, match.start()) + 1)
    return found


def main_file(ctx: ScanContext) -> str | None:
    """The root-level PHP file holding the `Plugin Name:` header, as WordPress finds it."""
    for path in sorted(ctx.files):
        if "/" not in path and path.endswith(".php") and PLUGIN_NAME_HEADER.search(ctx.files[path][:8192]):
            return path
    return None


def plugin_slug(ctx: ScanContext) -> str:
    """The slug the scan was given, else the main file's name (WordPress.org's slug is the plugin's folder, which
    the main file is named after), else the folder's name."""
    if ctx.slug_override:
        return ctx.slug_override
    main = main_file(ctx)
    return main.removesuffix(".php") if main else ctx.slug


def trademark_in(slug: str) -> str | None:
    for term in TRADEMARKS:
        if term.endswith("-"):
            if slug.startswith(term):
                return term
        elif term in slug:
            suffix = f"-for-{term}"
            if term in FOR_USE_EXCEPTIONS and slug.endswith(suffix) and term not in slug[: -len(suffix)]:
                continue
            return term
    return next((p for p in PORTMANTEAUS if slug.lower().startswith(p)), None)


def _sanitize_title(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _headers(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    main = main_file(ctx)
    if main is None:
        yield ctx.hit(rule, ".", 1, "no root-level PHP file carries a 'Plugin Name:' header")
        return
    extra = ("Requires Plugins", "Plugin URI", "Update URI", "Domain Path", "Network")
    headers = read_headers(ctx.files[main], REQUIRED_HEADERS + RECOMMENDED_HEADERS + extra)
    for name in REQUIRED_HEADERS:
        if not headers.get(name, ("", 0))[0]:
            yield ctx.hit(rule, main, 1, f"missing plugin header '{name}'")
    for name in RECOMMENDED_HEADERS:
        if not headers.get(name, ("", 0))[0]:
            yield ctx.hit(rule, main, 1, f"missing plugin header '{name}'", Severity.WARNING)
    version, at = headers.get("Version", ("", 1))
    if version and not VERSION.match(version):
        yield ctx.hit(rule, main, at, f"Version '{version}' is not a dotted number")
    license_, at = headers.get("License", ("", 1))
    if license_ and not GPL_COMPATIBLE.search(license_):
        yield ctx.hit(rule, main, at, f"License '{license_}' is not GPL-compatible")
    for name in ("Requires at least", "Requires PHP"):
        value, at = headers.get(name, ("", 1))
        if value and not VERSION.match(value):
            yield ctx.hit(rule, main, at, f"'{name}: {value}' is not a version number")
    yield from _more_headers(rule, ctx, main, headers)


def _more_headers(rule: Rule, ctx: ScanContext, main: str, headers: dict[str, tuple[str, int]]) -> Iterator[Finding]:
    """Plugin Check's plugin_header_fields and plugin_updater parts that read the header."""
    uri, at = headers.get("Plugin URI", ("", 1))
    if uri and re.match(r"^https?://(?:[\w-]+\.)?(?:wordpress|w)\.org/", uri, re.I):
        yield ctx.hit(rule, main, at, "Plugin URI may not point at WordPress.org: it is the plugin's own page")
    update, at = headers.get("Update URI", ("", 1))
    if update:
        yield ctx.hit(rule, main, at, "Update URI: WordPress.org plugins are updated by WordPress.org only")
    required, at = headers.get("Requires Plugins", ("", 1))
    for slug in (s.strip() for s in required.split(",") if s.strip()):
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
            yield ctx.hit(rule, main, at, f"Requires Plugins lists '{slug}', which is not a WordPress.org slug")
    domain_path, at = headers.get("Domain Path", ("", 1))
    folder = domain_path.strip("/")
    if folder and not any(p.startswith(folder + "/") for p in ctx.files):
        yield ctx.hit(rule, main, at, f"Domain Path /{folder} does not exist in the plugin", Severity.WARNING)
    network, at = headers.get("Network", ("", 1))
    if network and network.lower() not in ("true", "false"):
        yield ctx.hit(rule, main, at, f"Network: {network} is neither true nor false")


def _readme(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    readme = next((p for p in ctx.files if p.lower() == "readme.txt"), None)
    if readme is None:
        yield ctx.hit(rule, "readme.txt", 1, "readme.txt is missing")
        return
    data = ctx.files[readme]
    text = data.decode("utf-8", errors="replace")
    if not re.match(r"^\s*===\s*.+?\s*===", text):
        yield ctx.hit(rule, readme, 1, "readme.txt does not start with '=== Plugin Name ==='")
    fields = read_headers(data, ("Stable tag", "Tested up to", "Requires at least", "Requires PHP", "License"))
    fields.update(read_headers(data, ("Contributors",)))
    for name in ("Stable tag", "Tested up to", "License"):
        if not fields.get(name, ("", 0))[0]:
            yield ctx.hit(rule, readme, 1, f"readme.txt has no '{name}' field")
    if "Contributors" not in fields:
        yield ctx.hit(rule, readme, 1, "readme.txt has no 'Contributors' field", Severity.WARNING)
    stable, at = fields.get("Stable tag", ("", 1))
    if stable.lower() == "trunk":
        yield ctx.hit(rule, readme, at, "'Stable tag: trunk' is not allowed")
    if main := main_file(ctx):
        headers = read_headers(ctx.files[main], ("Version", "Requires at least", "Requires PHP"))
        version = headers.get("Version", ("", 0))[0]
        if stable and version and stable.lower() != "trunk" and stable != version:
            yield ctx.hit(rule, readme, at, f"Stable tag {stable} differs from the plugin Version {version}")
        for name in ("Requires at least", "Requires PHP"):
            ours, theirs = fields.get(name, ("", 1)), headers.get(name, ("", 0))[0]
            if ours[0] and theirs and ours[0] != theirs:
                yield ctx.hit(rule, readme, ours[1], f"'{name}' is {ours[0]} here but {theirs} in the plugin header")
    if not re.search(r"^==\s*Description\s*==", text, re.M | re.I):
        yield ctx.hit(rule, readme, 1, "readme.txt has no '== Description ==' section", Severity.WARNING)
    yield from _more_readme(rule, ctx, readme, text, fields)


def _more_readme(
    rule: Rule, ctx: ScanContext, readme: str, text: str, fields: dict[str, tuple[str, int]]
) -> Iterator[Finding]:
    """Plugin Check's plugin_readme parts beyond the required fields."""
    tested, at = fields.get("Tested up to", ("", 1))
    if tested and not re.fullmatch(r"\d+\.\d+(?:\.\d+)?", tested):
        yield ctx.hit(rule, readme, at, f"'Tested up to: {tested}' is not a WordPress version")
    contributors, at = fields.get("Contributors", ("", 1))
    for name in (c.strip() for c in contributors.split(",") if c.strip()):
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", name):
            yield ctx.hit(rule, readme, at, f"Contributors: '{name}' is not a WordPress.org username", Severity.WARNING)
    tags = read_headers(ctx.files[readme], ("Tags",)).get("Tags", ("", 1))
    if len([t for t in tags[0].split(",") if t.strip()]) > 5:
        yield ctx.hit(rule, readme, tags[1], "more than 5 tags: WordPress.org shows only 5", Severity.WARNING)
    header = re.search(r"^\s*===.*?===\s*\n(?:[^\n]*:[^\n]*\n)*\s*\n(?P<short>[^\n=][^\n]*)", text)
    if header and len(header.group("short").strip()) > 150:
        at = text.count("\n", 0, header.start("short")) + 1
        yield ctx.hit(rule, readme, at, "the short description is longer than 150 characters", Severity.WARNING)
    if main := main_file(ctx):
        plugin_license = read_headers(ctx.files[main], ("License",)).get("License", ("", 0))[0]
        readme_license, at = fields.get("License", ("", 1))
        if plugin_license and readme_license and plugin_license != readme_license:
            message = f"License '{readme_license}' differs from the plugin header's '{plugin_license}'"
            yield ctx.hit(rule, readme, at, message, Severity.WARNING)


def _text_domain(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    slug = plugin_slug(ctx)
    if main := main_file(ctx):
        domain, at = read_headers(ctx.files[main], ("Text Domain",)).get("Text Domain", ("", 1))
        if domain and domain != slug:
            yield ctx.hit(rule, main, at, f"Text Domain '{domain}' differs from the slug '{slug}'")
    for path, php in ctx.php.items():
        if path.startswith(("tests/", "vendor/")):
            continue
        for node in (n for n in walk(php.root) if call_name(n) in I18N):
            name = call_name(node) or ""
            args = arguments(node)
            index = I18N[name]
            if len(args) <= index:
                yield ctx.hit(rule, path, line(node), f"{name}() has no text domain", Severity.WARNING)
                continue
            value = string_value(args[index])
            if value is None:
                yield ctx.hit(rule, path, line(node), f"{name}() text domain must be a string literal")
            elif value != slug:
                yield ctx.hit(rule, path, line(node), f"{name}() uses text domain '{value}', not '{slug}'")


def _trademarks(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    term = trademark_in(plugin_slug(ctx))
    if term:
        yield ctx.hit(
            rule, main_file(ctx) or ".", 1, f"slug '{plugin_slug(ctx)}' uses the restricted term '{term.strip('-')}'"
        )
    if main := main_file(ctx):
        name, at = read_headers(ctx.files[main], ("Plugin Name",)).get("Plugin Name", ("", 1))
        term = trademark_in(_sanitize_title(name)) if name else None
        if term:
            yield ctx.hit(rule, main, at, f"plugin name '{name}' uses the restricted term '{term.strip('-')}'")


RULES = (
    Rule("wporg.headers", Severity.ERROR, "plugin headers (Plugin Check)", _headers),
    Rule("wporg.readme", Severity.ERROR, "readme.txt (Plugin Check)", _readme),
    Rule("wporg.text-domain", Severity.ERROR, "text domain = slug (Plugin Check)", _text_domain),
    Rule("wporg.trademark", Severity.ERROR, "trademarked terms in slug and name (Plugin Check)", _trademarks),
)
