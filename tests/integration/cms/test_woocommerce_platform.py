"""The WooCommerce platform against the real tools: php -l, composer, phpunit, the sandbox harness, node.

Its rendering alone: tests/unit/cms/test_woocommerce_render.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from forge.cms.rendering import one_line
from forge.cms.woocommerce.platform import PLATFORM, context
from forge.models.spec import PluginSpec, load_spec
from tests.woocommerce_plugin import DEMO, REPO, variant, wordpress_headers

HERE = Path(__file__).resolve().parent

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


@pytest.fixture(scope="module")
def hostile(demo: PluginSpec) -> PluginSpec:
    return variant(demo, **HOSTILE)


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
    spec = variant(demo, features=features)
    root = _plugin(spec, tmp_path)
    assert not (root / "vendor").exists()
    for command in PLATFORM.build_commands(_php_files(root)):
        _assert_ok(_run(command.argv, root), command.label)


def test_composer_validate_needs_no_network_and_no_vendor(demo: PluginSpec, tmp_path: Path) -> None:
    # The build step runs isolated: prove composer validate works with no network at all, a home
    # directory that does not exist and a read-only root.
    root = _plugin(demo, tmp_path)
    validate = PLATFORM.build_commands([])[-1]
    # The paths after --tmpfs and --ro-bind are the namespace's, not the host's.
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
            "/tmp",  # noqa: S108
            "--ro-bind",
            str(root),
            "/tmp/plugin",  # noqa: S108
            "--chdir",
            "/tmp/plugin",  # noqa: S108
            "--setenv",
            "HOME",
            "/nonexistent",
            *validate.argv,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    _assert_ok(result, "composer validate without network")
    assert not (root / "vendor").exists()
    assert not (root / "composer.lock").exists()


def test_phpunit_passes_and_writes_junit(demo: PluginSpec, tmp_path: Path) -> None:
    root = _plugin(demo, tmp_path)
    junit = tmp_path / "reports" / "junit.xml"
    junit.parent.mkdir()
    _assert_ok(_run(PLATFORM.test_command(str(junit)).argv, root), "phpunit")
    # The report of the plugin the forge generated, written by phpunit in this test.
    suite = ET.parse(junit).getroot().find("testsuite")  # noqa: S314
    assert suite is not None
    assert int(suite.get("tests", "0")) >= 25
    assert suite.get("failures") == "0"
    assert suite.get("errors") == "0"
    names = {case.get("name") for case in ET.parse(junit).getroot().iter("testcase")}  # noqa: S314
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
    root = _plugin(variant(demo, features=features, currencies=["USD"]), tmp_path)
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
    assert "<b>" not in seen["notice"]
    assert "&lt;b&gt;" in seen["notice"]

    # Headers: one line each, so the injected "Version:" line is not a header of its own.
    headers = wordpress_headers(tree[PLATFORM.main_file(hostile)].decode())
    assert headers["Version"] == "1.0.0"
    assert headers["Plugin Name"] == one_line(hostile.name).replace("*/", "* /").replace("?>", "? >")
    assert "Version: 6.6.6" in headers["Plugin Name"]

    composer = json.loads(tree["composer.json"])
    assert composer["description"] == hostile.description
    assert composer["authors"] == [{"name": hostile.author}]

    readme = tree["readme.txt"].decode()
    assert readme.splitlines()[0].startswith("=== Evil &#39;Pay&#39;")
    assert "<script>" not in readme
    assert "<b>" not in readme
    assert readme.count("\n== Changelog ==\n") == 1

    js = subprocess.run(
        ["node", "-e", JS_PROBE, str(root / "assets/js/blocks.js")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    _assert_ok(js, "blocks.js probe")
    assert json.loads(js.stdout) == {"name": names["gateway_id"], "ariaLabel": hostile.brand}


def test_node_is_available() -> None:
    # The blocks script checks above need node; say so plainly instead of failing obscurely.
    assert shutil.which("node"), "node is needed to check assets/js/blocks.js"
