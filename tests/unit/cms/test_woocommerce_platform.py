"""The WooCommerce platform against the real tools: php -l, composer, phpunit, the sandbox harness, node."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from forge.cms import get_platform
from forge.cms.base import Command
from forge.cms.rendering import UnescapedOutput, make_environment, one_line
from forge.cms.woocommerce.platform import PLATFORM, context
from forge.errors import ForgeError
from forge.models.spec import PluginSpec, load_spec

REPO = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
DEMO = REPO / "examples" / "woocommerce.yaml"

HOSTILE: dict[str, Any] = {
    # A newline followed by a header line: WordPress would read it as the plugin's version.
    "name": "Evil 'Pay' \"G\" ?> */ \\ ${x} {$y} <b>&</b> 日本 💳\nVersion: 6.6.6",
    "description": ("Desc '; exit; // ?> <?php system('id'); */ /* \\' \"\\\" ${evil} \r\n== Changelog ==\nünï"),
    "brand": "Mo'lam\"\\ ?>*/${b} <i>",
    "author": 'O\'Brien "Dev" ?> */ \\ <script>x</script>',
    "api_base_url": "https://api.molam.com/v1/o'k*/\\${x}",
    "settings": [
        {
            "key": "merchant_note",
            "label": "Note ' \" ?> */ \\ ${n} <b>",
            "type": "text",
            "default": "d'f \\ ?> ${d}",
            "description": "Line one\nline two ' */ <?php ?>",
        },
        {
            "key": "channel",
            "label": "Channel",
            "type": "select",
            "default": "a'b",
            "options": ["a'b", "c\\d", "?>", "*/"],
        },
        {"key": "auto_capture", "label": "Capture", "type": "checkbox", "default": "true"},
        {"key": "shop_secret", "label": "Shop secret", "type": "password"},
    ],
}


def _run(argv: list[str] | tuple[str, ...], cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(cwd.parent / "home"), "COMPOSER_DISABLE_NETWORK": "1"}
    return subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def _write(tree: dict[str, bytes] | Any, root: Path) -> Path:
    for rel, data in tree.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


@pytest.fixture(scope="module")
def demo() -> PluginSpec:
    return load_spec(DEMO)


def _variant(base: PluginSpec, **changes: Any) -> PluginSpec:
    # model_validate (not model_copy) so every variant is a spec the forge would really accept.
    return PluginSpec.model_validate({**base.model_dump(), **changes})


@pytest.fixture(scope="module")
def hostile(demo: PluginSpec) -> PluginSpec:
    return _variant(demo, **HOSTILE)


def _plugin(spec: PluginSpec, tmp_path: Path) -> Path:
    return _write(PLATFORM.render(spec), tmp_path / "plugin")


def _sandbox(spec: PluginSpec, tmp_path: Path) -> Path:
    work = tmp_path / "work"
    _write(PLATFORM.render(spec), work / "plugin")
    _write(PLATFORM.sandbox_files(), work)
    return work


def _php_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.php"))


def _assert_ok(result: subprocess.CompletedProcess[str], what: str) -> None:
    assert result.returncode == 0, f"{what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"


# ---- contract ------------------------------------------------------------------------------------------


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
    headers = _headers(main)
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
    assert "https://molam.com/terms" in readme and "https://molam.com/privacy" in readme
    assert "Stable tag: 1.0.0" in readme


def test_contributors_come_from_the_spec_never_guessed(demo: PluginSpec) -> None:
    """Issue 14: readme.txt names the WordPress.org accounts the spec gives, and none when it gives none."""
    named = _variant(demo, contributors=["molam", "awa-diop"])
    assert "\nContributors: molam, awa-diop\n" in PLATFORM.render(named)["readme.txt"].decode()
    unnamed = _variant(demo, contributors=[])
    readme = PLATFORM.render(unnamed)["readme.txt"].decode()
    assert "Contributors:" not in readme
    with pytest.raises(ValueError, match="contributors"):
        _variant(demo, contributors=["Not A Username"])


def test_the_main_file_has_no_plugin_uri_and_no_translation_loading(demo: PluginSpec) -> None:
    tree = {k: v.decode() for k, v in PLATFORM.render(demo).items() if not k.startswith("tests/")}
    assert "Plugin URI" not in tree[PLATFORM.main_file(demo)]
    assert "Domain Path" not in tree[PLATFORM.main_file(demo)]
    call = re.compile(r"^\s*[^*/ ].*load_plugin_textdomain\s*\(", re.M)
    assert not [path for path, text in tree.items() if call.search(text)]


def test_feature_flags_change_the_tree(demo: PluginSpec) -> None:
    bare = _variant(demo, features={"refunds": False, "webhooks": False, "blocks_checkout": False})
    tree = PLATFORM.render(bare)
    assert not [p for p in tree if "webhook" in p.lower() or "blocks" in p]
    gateway = tree[f"includes/class-{demo.slug}-gateway.php"].decode()
    assert "process_refund" not in gateway
    assert "'refunds'" not in gateway
    plugin = tree[f"includes/class-{demo.slug}-plugin.php"].decode()
    assert "'cart_checkout_blocks', MOLAM_PAY_FOR_WOOCOMMERCE_FILE, false" in plugin


def test_settings_that_redefine_built_in_fields_are_refused(demo: PluginSpec) -> None:
    spec = _variant(demo, settings=[{"key": "api_key", "label": "Key"}])
    with pytest.raises(ForgeError, match="api_key"):
        PLATFORM.render(spec)


def test_slug_starting_with_a_digit_gives_valid_identifiers(demo: PluginSpec) -> None:
    names = context(_variant(demo, slug="2pay-gateway"))
    assert names["prefix"] == "Plugin_2pay_Gateway"
    assert names["gateway_id"] == "plugin_2pay_gateway"


# ---- rendering filters -----------------------------------------------------------------------------


def test_templates_cannot_print_unfiltered_values(tmp_path: Path) -> None:
    env = make_environment(tmp_path)
    with pytest.raises(UnescapedOutput):
        env.from_string("{{ value }}").render(value="x'")
    assert env.from_string("'{{ value|php_sq }}'").render(value="a'\\b") == "'a\\'\\\\b'"
    assert env.from_string("{{ value|php_comment }}").render(value="a\n*/ ?>\u2028b") == "a * / ? > b"
    assert env.from_string("{{ value|html }}").render(value="<a href='x'>") == "&lt;a href=&#39;x&#39;&gt;"
    assert env.from_string("{{ value|js_str }}").render(value="</script>\u2028") == '"\\u003c/script\\u003e\\u2028"'
    with pytest.raises(ValueError):
        env.from_string("{{ value|ident }}").render(value="a-b")


# ---- real tools on the demo plugin -------------------------------------------------------------------


@pytest.mark.parametrize(
    "features",
    [
        {"refunds": True, "webhooks": True, "blocks_checkout": True},
        {"refunds": False, "webhooks": False, "blocks_checkout": False},
        {"refunds": True, "webhooks": False, "blocks_checkout": True},
    ],
    ids=["all-features", "no-features", "no-webhooks"],
)
def test_build_commands_pass(demo: PluginSpec, features: dict[str, bool], tmp_path: Path) -> None:
    spec = _variant(demo, features=features)
    root = _plugin(spec, tmp_path)
    assert not (root / "vendor").exists()
    for command in PLATFORM.build_commands(_php_files(root)):
        _assert_ok(_run(command.argv, root), command.label)


def test_composer_validate_needs_no_network_and_no_vendor(demo: PluginSpec, tmp_path: Path) -> None:
    # The build step runs isolated: prove composer validate works with no network at all, a home
    # directory that does not exist and a read-only root.
    root = _plugin(demo, tmp_path)
    validate = PLATFORM.build_commands([])[-1]
    result = subprocess.run(
        [
            "bwrap",
            "--ro-bind",
            "/",
            "/",
            "--unshare-net",
            "--dev",
            "/dev",
            "--proc",
            "/proc",
            "--tmpfs",
            "/tmp",
            "--ro-bind",
            str(root),
            "/tmp/plugin",
            "--chdir",
            "/tmp/plugin",
            "--setenv",
            "HOME",
            "/nonexistent",
            *validate.argv,
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=120,
    )
    _assert_ok(result, "composer validate without network")
    assert not (root / "vendor").exists() and not (root / "composer.lock").exists()


def test_phpunit_passes_and_writes_junit(demo: PluginSpec, tmp_path: Path) -> None:
    root = _plugin(demo, tmp_path)
    junit = tmp_path / "reports" / "junit.xml"
    junit.parent.mkdir()
    _assert_ok(_run(PLATFORM.test_command(str(junit)).argv, root), "phpunit")
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert int(suite.get("tests", "0")) >= 25
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    names = {case.get("name") for case in ET.parse(junit).getroot().iter("testcase")}
    for required in (
        "test_payment_success_completes_the_order",
        "test_declined_payment_fails_the_order_and_tells_the_customer",
        "test_refund_calls_the_api_and_notes_the_order",
        "test_valid_signature_completes_the_payment",
        "test_forged_signature_is_rejected",
        "test_expired_timestamp_is_rejected",
        "test_replayed_event_is_acknowledged_but_ignored",
    ):
        assert required in names, required
    # The run leaves no cache or report inside the plugin tree.
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == sorted(
        {p for rel in PLATFORM.render(demo) for p in _with_parents(rel)}
    )


def _with_parents(rel: str) -> list[str]:
    parts = rel.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


@pytest.mark.parametrize(
    "features",
    [
        {"refunds": False, "webhooks": False, "blocks_checkout": False},
        {"refunds": False, "webhooks": True, "blocks_checkout": False},
    ],
    ids=["no-features", "webhooks-only"],
)
def test_phpunit_passes_without_optional_features(demo: PluginSpec, features: dict[str, bool], tmp_path: Path) -> None:
    root = _plugin(_variant(demo, features=features, currencies=["USD"]), tmp_path)
    _assert_ok(_run(PLATFORM.test_command(str(tmp_path / "junit.xml")).argv, root), "phpunit")


def test_php_is_php_7_4_compatible(demo: PluginSpec, tmp_path: Path) -> None:
    root = _plugin(demo, tmp_path)
    files = [str(root / f) for f in _php_files(root)]
    sandbox = [
        str(PLATFORM.folder / "sandbox" / name)
        for name in (
            "harness.php",
            "standins.php",
            "woocommerce-gateway-api.php",
            "contracts.php",
            "wordpress/woocommerce-standin.php",
        )
    ]
    # The fake provider runs under whatever PHP runs the contract suites (issue 14).
    sandbox += [str(REPO / "layers/forge/cms/provider_api/fake" / name) for name in ("schema.php", "provider.php")]
    _assert_ok(_run(["php", str(HERE / "php74_compat.php"), *files, *sandbox], tmp_path), "PHP 7.4 check")


def test_sandbox_harness_passes(demo: PluginSpec, tmp_path: Path) -> None:
    work = _sandbox(demo, tmp_path)
    result = _run(PLATFORM.sandbox_command(demo).argv, work)
    _assert_ok(result, "harness")
    assert result.stderr == ""
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["diagnostics"] == []
    checks = {c["name"]: c["ok"] for c in report["checks"]}
    for name in (
        "gateway_registered",
        "hpos_compatibility_declared",
        "blocks_integration_registered",
        "rest_rejects_unsigned:/molam-pay-for-woocommerce/v1/webhook",
        "text_domain_is_slug",
    ):
        assert checks.get(name) is True, name
    # No `init` hook: WordPress.org loads translations itself, so there is no load_plugin_textdomain() (issue 14).
    assert {"plugins_loaded", "rest_api_init", "woocommerce_blocks_loaded"} <= set(report["facts"]["hooks_fired"])


@pytest.mark.parametrize(
    ("injected", "expected"),
    [
        ("trigger_error( 'x', E_USER_NOTICE );", "PHP User notice: x in "),
        ("$forge_copy = $forge_undefined;", "Undefined variable $forge_undefined"),
        ('$forge_v = 1;\n$forge_s = "${forge_v}";', "PHP Deprecated: Using ${var} in strings is deprecated"),
        ("@trigger_error( 'hidden', E_USER_WARNING );", "PHP User warning: hidden"),
        ("forge_no_such_function();", "Call to undefined function forge_no_such_function()"),
    ],
    ids=["user-notice", "undefined-variable", "deprecation", "silenced-warning", "fatal"],
)
def test_sandbox_harness_fails_on_diagnostics(demo: PluginSpec, injected: str, expected: str, tmp_path: Path) -> None:
    work = _sandbox(demo, tmp_path)
    main = work / "plugin" / PLATFORM.main_file(demo)
    main.write_text(main.read_text() + f"\n{injected}\n")
    result = _run(PLATFORM.sandbox_command(demo).argv, work)
    assert result.returncode != 0
    assert expected in result.stderr
    assert f"plugin/{PLATFORM.main_file(demo)}" in result.stderr
    assert json.loads(result.stdout)["ok"] is False


def test_sandbox_harness_fails_when_no_gateway_is_registered(demo: PluginSpec, tmp_path: Path) -> None:
    work = _sandbox(demo, tmp_path)
    plugin = work / "plugin" / f"includes/class-{demo.slug}-plugin.php"
    plugin.write_text(plugin.read_text().replace("add_filter( 'woocommerce_payment_gateways'", "(string) ("))
    result = _run(PLATFORM.sandbox_command(demo).argv, work)
    assert result.returncode == 1
    assert "Check failed: gateway_registered" in result.stderr


# ---- hostile spec values ------------------------------------------------------------------------------


def test_hostile_values_lint_build_test_and_sandbox(hostile: PluginSpec, tmp_path: Path) -> None:
    root = _plugin(hostile, tmp_path)
    for command in PLATFORM.build_commands(_php_files(root)):
        _assert_ok(_run(command.argv, root), command.label)
    _assert_ok(_run(PLATFORM.test_command(str(tmp_path / "junit.xml")).argv, root), "phpunit")
    _assert_ok(_run(["node", "--check", "assets/js/blocks.js"], root), "node --check")
    work = _sandbox(hostile, tmp_path / "sb")
    result = _run(PLATFORM.sandbox_command(hostile).argv, work)
    _assert_ok(result, "harness")
    assert result.stderr == ""


PROBE = r"""<?php
define( 'ABSPATH', __DIR__ . '/' );
require __DIR__ . '/tests/stubs.php';
require __DIR__ . '/%(main)s';
do_action( 'plugins_loaded' );
$gateway = new %(prefix)s_Gateway();
$fields  = $gateway->get_form_fields();
ob_start();
%(prefix)s_Plugin::missing_woocommerce_notice();
$notice = ob_get_clean();
echo json_encode( array(
    'brand'        => %(prefix)s_Gateway::BRAND,
    'method_title' => $gateway->get_method_title(),
    'method_desc'  => $gateway->get_method_description(),
    'title'        => $gateway->get_title(),
    'api'          => %(prefix)s_Gateway::API_BASE_URL,
    'note_label'   => $fields['merchant_note']['title'],
    'note_desc'    => $fields['merchant_note']['description'],
    'note_default' => $fields['merchant_note']['default'],
    'options'      => array_keys( $fields['channel']['options'] ),
    'checkbox'     => $fields['auto_capture']['default'],
    'notice'       => $notice,
) );
"""

JS_PROBE = r"""
const vm = require('vm');
const fs = require('fs');
let registered = null;
const window = {
  wc: { wcBlocksRegistry: { registerPaymentMethod: (o) => { registered = o; } },
        wcSettings: { getSetting: () => ({}) } },
  wp: { element: { createElement: (...a) => a }, htmlEntities: { decodeEntities: (s) => s },
        i18n: { __: (s) => s } },
};
vm.runInNewContext(fs.readFileSync(process.argv[1], 'utf8'), { window });
process.stdout.write(JSON.stringify({ name: registered.name, ariaLabel: registered.ariaLabel }));
"""


def test_hostile_values_land_as_inert_data(hostile: PluginSpec, tmp_path: Path) -> None:
    tree = PLATFORM.render(hostile)
    root = _write(tree, tmp_path / "plugin")
    names = context(hostile)

    (root / "probe.php").write_text(PROBE % {"main": PLATFORM.main_file(hostile), "prefix": names["prefix"]})
    result = _run(["php", "-d", "error_reporting=-1", "-d", "display_errors=stderr", "probe.php"], root)
    _assert_ok(result, "probe")
    assert result.stderr == ""
    seen = json.loads(result.stdout)
    assert seen["brand"] == seen["method_title"] == seen["title"] == hostile.brand
    assert seen["method_desc"] == hostile.description
    assert seen["api"] == hostile.api_base_url
    note, channel = hostile.settings[0], hostile.settings[1]
    assert (seen["note_label"], seen["note_desc"], seen["note_default"]) == (
        note.label,
        note.description,
        note.default,
    )
    assert seen["options"] == channel.options
    assert seen["checkbox"] == "yes"
    assert "<b>" not in seen["notice"] and "&lt;b&gt;" in seen["notice"]

    # Headers: one line each, so the injected "Version:" line is not a header of its own.
    headers = _headers(tree[PLATFORM.main_file(hostile)].decode())
    assert headers["Version"] == "1.0.0"
    assert headers["Plugin Name"] == one_line(hostile.name).replace("*/", "* /").replace("?>", "? >")
    assert "Version: 6.6.6" in headers["Plugin Name"]

    composer = json.loads(tree["composer.json"])
    assert composer["description"] == hostile.description
    assert composer["authors"] == [{"name": hostile.author}]

    readme = tree["readme.txt"].decode()
    assert readme.splitlines()[0].startswith("=== Evil &#39;Pay&#39;")
    assert "<script>" not in readme and "<b>" not in readme
    assert readme.count("\n== Changelog ==\n") == 1

    js = subprocess.run(
        ["node", "-e", JS_PROBE, str(root / "assets/js/blocks.js")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    _assert_ok(js, "blocks.js probe")
    assert json.loads(js.stdout) == {"name": names["gateway_id"], "ariaLabel": hostile.brand}


def _headers(php: str) -> dict[str, str]:
    """Plugin headers the way WordPress' get_file_data() reads them: first match of each, per line."""
    names = (
        "Plugin Name",
        "Version",
        "Text Domain",
        "License",
        "Requires PHP",
        "WC requires at least",
        "WC tested up to",
    )
    found = {}
    for name in names:
        match = re.search(rf"^[ \t/*#@]*{re.escape(name)}:(.*)$", php, re.M | re.I)
        if match:
            found[name] = match.group(1).strip()
    return found


def test_node_is_available() -> None:
    # The blocks script checks above need node; say so plainly instead of failing obscurely.
    assert shutil.which("node"), "node is needed to check assets/js/blocks.js"
