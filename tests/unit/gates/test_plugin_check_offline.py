"""The offline Plugin Check subset (issue 14 item 9): the warnings the fixtures plant are found, the generated plugin
passes every check with neither error nor warning, and docs/quality-gates.md lists every Plugin Check check."""

from __future__ import annotations

import re
from pathlib import Path

from forge.cms.woocommerce.platform import PLATFORM
from forge.gates import scan
from forge.gates.registry import rule_ids
from forge.models.spec import load_spec
from forge.packaging.archive import write_tree

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "scan" / "rules"
HOSTS = frozenset({"api.molam.com", "sandbox.api.molam.com"})
# WordPress/plugin-check docs/checks.md: every check it runs.
PLUGIN_CHECK_CHECKS = (
    "i18n_usage", "code_obfuscation", "plugin_content", "direct_file_access", "file_type", "plugin_header_fields",
    "late_escaping", "safe_redirect", "plugin_updater", "plugin_uninstall", "external_admin_menu_links",
    "menu_image_icon", "wp_functions_compatibility", "personal_data_exporter", "plugin_review_phpcs",
    "direct_db_queries", "direct_db", "performant_wp_query_params", "enqueued_scripts_in_footer", "enqueued_resources",
    "plugin_readme", "localhost", "minified_files", "no_unfiltered_uploads", "trademarks", "offloading_files",
    "write_file", "setting_sanitization", "prefixing", "enqueued_scripts_size", "enqueued_styles_size",
    "enqueued_styles_scope", "enqueued_scripts_scope", "non_blocking_scripts", "ai_provider", "react_usage",
)  # fmt: skip


def _warnings(rule: str) -> list[str]:
    report = scan(FIXTURES / rule / "bad", HOSTS, only=[rule], platform_rules=PLATFORM.analyser_rules)
    return [f.message for f in report.findings if f.severity == "warning"]


def test_planted_warnings_are_found() -> None:
    assert any("wp_redirect()" in w for w in _warnings("wporg.discouraged"))
    assert any("slow query" in w for w in _warnings("wporg.discouraged"))
    assert any("React 19" in w for w in _warnings("wporg.enqueue"))
    assert any("loading strategy" in w for w in _warnings("wporg.enqueue"))
    assert any("not prefixed" in w for w in _warnings("wporg.prefixing"))
    assert any("translators" in w for w in _warnings("wporg.i18n"))
    assert any("wp_privacy_personal_data_exporters" in w for w in _warnings("wporg.privacy"))
    assert any("markdown" in w for w in _warnings("wporg.file-type"))


def test_readme_versions_and_contributors_are_checked(tmp_path: Path) -> None:
    (tmp_path / "acme-shop.php").write_text("<?php\n/**\n * Plugin Name: Acme Shop\n * Version: 1.0.0\n */\n")
    (tmp_path / "readme.txt").write_text(
        "=== Acme Shop ===\nContributors: Acme Team\nTags: a, b, c, d, e, f\nTested up to: latest\n"
        "Stable tag: 1.0.0\nLicense: GPLv2\n\n" + "x" * 151 + "\n\n== Description ==\nx\n"
    )
    report = scan(tmp_path, HOSTS, only=["wporg.readme"], platform_rules=PLATFORM.analyser_rules)
    messages = [f"{f.severity} {f.message}" for f in report.findings]
    assert "error 'Tested up to: latest' is not a WordPress version" in messages
    assert any("'Acme Team' is not a WordPress.org username" in m for m in messages)
    assert any("more than 5 tags" in m for m in messages)
    assert any("longer than 150 characters" in m for m in messages)


def test_the_generated_plugin_passes_every_check_without_a_warning(tmp_path: Path) -> None:
    spec = load_spec(REPO / "examples" / "woocommerce.yaml")
    write_tree(dict(PLATFORM.render(spec)), tmp_path / spec.slug)
    report = scan(
        tmp_path / spec.slug,
        HOSTS,
        exclude=PLATFORM.dist_exclude,
        only=["wporg."],
        platform_rules=PLATFORM.analyser_rules,
    )
    # wporg.discouraged would report a load_plugin_textdomain() call, wporg.headers a WordPress.org Plugin URI.
    assert report.findings == [], report.describe()
    assert "Plugin URI" not in PLATFORM.render(spec)[PLATFORM.main_file(spec)].decode()


def test_quality_gates_doc_lists_every_plugin_check_check() -> None:
    doc = (REPO / "docs" / "quality-gates.md").read_text()
    table = doc[doc.index("### WordPress.org Plugin Check, offline") :]
    listed = set(re.findall(r"^\| `([a-z0-9_]+)` \|", table, re.M))
    assert listed == set(PLUGIN_CHECK_CHECKS)
    for rule in re.findall(r"`(wporg\.[a-z-]+)`", table):
        assert rule in rule_ids(PLATFORM.analyser_rules), rule
