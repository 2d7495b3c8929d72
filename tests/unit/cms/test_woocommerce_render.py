"""The WooCommerce platform's rendering: registry, commands, the tree, headers, readme, features, escaping.

The same plugin against the real tools (php -l, composer, phpunit, the sandbox harness, node):
tests/integration/cms/test_woocommerce_platform.py.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest

from forge.cms import get_platform
from forge.cms.base import Command
from forge.cms.rendering import UnescapedOutput, make_environment
from forge.cms.woocommerce.platform import PLATFORM, context
from forge.errors import ForgeError
from forge.models.spec import PluginSpec, load_spec
from tests.woocommerce_plugin import DEMO, REPO, variant, wordpress_headers


@pytest.fixture(scope="module")
def demo() -> PluginSpec:
    return load_spec(DEMO)


def test_registry_finds_the_platform() -> None:
    assert get_platform("woocommerce") is PLATFORM
    assert PLATFORM.name == "woocommerce"
    assert PLATFORM.folder == REPO / "layers" / "forge" / "cms" / "woocommerce"


def test_commands_are_the_documented_ones(demo: PluginSpec) -> None:
    assert PLATFORM.main_file(demo) == "molam-pay-for-woocommerce.php"
    assert PLATFORM.test_command("out/junit.xml") == Command(
        argv=("phpunit", "--configuration", "phpunit.xml.dist", "--log-junit", "out/junit.xml"),
        label="phpunit",
    )
    assert PLATFORM.sandbox_command(demo).argv == (
        "php",
        "-d",
        "error_reporting=-1",
        "-d",
        "display_errors=stderr",
        "-d",
        "log_errors=0",
        "sandbox/harness.php",
        "plugin/molam-pay-for-woocommerce.php",
    )
    build = PLATFORM.build_commands(["b.php", "a.php"])
    assert [c.argv for c in build] == [
        ("php", "-l", "a.php"),
        ("php", "-l", "b.php"),
        ("composer", "validate", "--no-check-publish", "--no-check-lock", "--strict"),
    ]
    assert set(PLATFORM.sandbox_files()) == {
        "sandbox/harness.php",
        "sandbox/standins.php",
        "sandbox/woocommerce-gateway-api.php",
    }


def test_render_is_deterministic(demo: PluginSpec) -> None:
    first, second = PLATFORM.render(demo), PLATFORM.render(load_spec(DEMO))
    assert first == second
    assert list(first) == sorted(first)
    assert all(isinstance(v, bytes) for v in first.values())
    assert b"\r\n" not in b"".join(first.values())


def test_tree_has_the_plugin_files(demo: PluginSpec) -> None:
    tree = PLATFORM.render(demo)
    slug = demo.slug
    for path in (
        f"{slug}.php",
        f"includes/class-{slug}-gateway.php",
        f"includes/class-{slug}-webhook.php",
        f"includes/class-{slug}-blocks-support.php",
        "assets/js/blocks.js",
        "readme.txt",
        "uninstall.php",
        "composer.json",
        "phpunit.xml.dist",
        "tests/bootstrap.php",
        "tests/stubs.php",
        "tests/woocommerce-gateway-api.php",
    ):
        assert path in tree, path
    # The unit tests and the sandbox load the very same stand-ins.
    assert tree["tests/stubs.php"] == PLATFORM.sandbox_files()["sandbox/standins.php"]
    assert tree["tests/woocommerce-gateway-api.php"] == PLATFORM.sandbox_files()["sandbox/woocommerce-gateway-api.php"]


def test_dist_exclude_drops_dev_files_only(demo: PluginSpec) -> None:
    def excluded(path: str) -> bool:
        return any(fnmatch.fnmatch(path, pattern) for pattern in PLATFORM.dist_exclude)

    shipped = [p for p in PLATFORM.render(demo) if not excluded(p)]
    assert not [p for p in shipped if p.startswith("tests/") or "phpunit" in p]
    assert {"molam-pay-for-woocommerce.php", "readme.txt", "uninstall.php", "assets/js/blocks.js"} <= set(shipped)
    assert excluded(".phpunit.result.cache")


def test_main_file_headers(demo: PluginSpec) -> None:
    main = PLATFORM.render(demo)["molam-pay-for-woocommerce.php"].decode()
    headers = wordpress_headers(main)
    assert headers["Plugin Name"] == demo.name
    assert headers["Version"] == "1.0.0"
    assert headers["Text Domain"] == demo.slug
    assert headers["License"] == "GPL-2.0-or-later"
    assert headers["Requires PHP"] == "7.4"
    assert headers["WC requires at least"] == "8.0"
    assert headers["WC tested up to"] == "9.3"
    assert "defined( 'ABSPATH' ) || exit;" in main


def test_readme_follows_the_wordpress_org_format(demo: PluginSpec) -> None:
    readme = PLATFORM.render(demo)["readme.txt"].decode()
    assert readme.startswith("=== Molam Pay for WooCommerce ===\n")
    for field in ("Contributors", "Tags", "Requires at least", "Tested up to", "Requires PHP", "Stable tag"):
        assert re.search(rf"^{field}: \S", readme, re.M), field
    for section in (
        "Description",
        "External services",
        "Installation",
        "Frequently Asked Questions",
        "Changelog",
    ):
        assert f"\n== {section} ==\n" in readme, section
    assert "https://molam.com/terms" in readme
    assert "https://molam.com/privacy" in readme
    assert "Stable tag: 1.0.0" in readme


def test_contributors_come_from_the_spec_never_guessed(demo: PluginSpec) -> None:
    """Issue 14: readme.txt names the WordPress.org accounts the spec gives, and none when it gives none."""
    named = variant(demo, contributors=["molam", "awa-diop"])
    assert "\nContributors: molam, awa-diop\n" in PLATFORM.render(named)["readme.txt"].decode()
    unnamed = variant(demo, contributors=[])
    readme = PLATFORM.render(unnamed)["readme.txt"].decode()
    assert "Contributors:" not in readme
    with pytest.raises(ValueError, match="contributors"):
        variant(demo, contributors=["Not A Username"])


def test_the_main_file_has_no_plugin_uri_and_no_translation_loading(demo: PluginSpec) -> None:
    tree = {k: v.decode() for k, v in PLATFORM.render(demo).items() if not k.startswith("tests/")}
    assert "Plugin URI" not in tree[PLATFORM.main_file(demo)]
    assert "Domain Path" not in tree[PLATFORM.main_file(demo)]
    call = re.compile(r"^\s*[^*/ ].*load_plugin_textdomain\s*\(", re.M)
    assert not [path for path, text in tree.items() if call.search(text)]


def test_feature_flags_change_the_tree(demo: PluginSpec) -> None:
    bare = variant(demo, features={"refunds": False, "webhooks": False, "blocks_checkout": False})
    tree = PLATFORM.render(bare)
    assert not [p for p in tree if "webhook" in p.lower() or "blocks" in p]
    gateway = tree[f"includes/class-{demo.slug}-gateway.php"].decode()
    assert "process_refund" not in gateway
    assert "'refunds'" not in gateway
    plugin = tree[f"includes/class-{demo.slug}-plugin.php"].decode()
    assert "'cart_checkout_blocks', MOLAM_PAY_FOR_WOOCOMMERCE_FILE, false" in plugin


def test_settings_that_redefine_built_in_fields_are_refused(demo: PluginSpec) -> None:
    spec = variant(demo, settings=[{"key": "api_key", "label": "Key"}])
    with pytest.raises(ForgeError, match="api_key"):
        PLATFORM.render(spec)


def test_slug_starting_with_a_digit_gives_valid_identifiers(demo: PluginSpec) -> None:
    names = context(variant(demo, slug="2pay-gateway"))
    assert names["prefix"] == "Plugin_2pay_Gateway"
    assert names["gateway_id"] == "plugin_2pay_gateway"


def test_templates_cannot_print_unfiltered_values(tmp_path: Path) -> None:
    env = make_environment(tmp_path)
    with pytest.raises(UnescapedOutput):
        env.from_string("{{ value }}").render(value="x'")
    assert env.from_string("'{{ value|php_sq }}'").render(value="a'\\b") == "'a\\'\\\\b'"
    assert env.from_string("{{ value|php_comment }}").render(value="a\n*/ ?>\u2028b") == "a * / ? > b"
    assert env.from_string("{{ value|html }}").render(value="<a href='x'>") == "&lt;a href=&#39;x&#39;&gt;"
    assert env.from_string("{{ value|js_str }}").render(value="</script>\u2028") == '"\\u003c/script\\u003e\\u2028"'
    with pytest.raises(ValueError, match="not an identifier: 'a-b'"):
        env.from_string("{{ value|ident }}").render(value="a-b")
