"""Malicious plugins: the generated plugin with one hostile file added. Each must be blocked, by the rules
its header names; the unmodified plugin must pass with zero errors."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from forge.cms.woocommerce.platform import PLATFORM
from forge.gates import scan
from forge.models.spec import load_spec

REPO = Path(__file__).resolve().parents[3]
MALICIOUS = REPO / "tests" / "fixtures" / "scan" / "malicious"
HOSTS = frozenset({"api.molam.com", "sandbox.api.molam.com"})


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated") / "molam-pay-for-woocommerce"
    for path, content in PLATFORM.render(load_spec(REPO / "examples" / "woocommerce.yaml")).items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return root


def test_generated_plugin_has_zero_errors(generated: Path) -> None:
    report = scan(generated, HOSTS, exclude=PLATFORM.dist_exclude, platform_rules=PLATFORM.analyser_rules)
    assert report.errors == [], report.describe()
    assert report.files_scanned >= 8


def test_generated_plugin_dev_files_are_clean_too_except_the_test_site_url(generated: Path) -> None:
    # tests/stubs.php defines the stand-in site URL (https://shop.example): not shipped, but still seen. And
    # Plugin Check refuses .dist files (wporg.file-type), which phpunit.xml.dist would be if it shipped: it never does.
    report = scan(generated, HOSTS, platform_rules=PLATFORM.analyser_rules)
    assert [(f.rule, f.path) for f in report.errors] == [
        ("wporg.file-type", "phpunit.xml.dist"),
        ("net.host-not-allowed", "tests/stubs.php"),
    ]


@pytest.mark.parametrize("sample", sorted(p.name for p in MALICIOUS.glob("*.php")))
def test_malicious_plugin_is_blocked(sample: str, generated: Path, tmp_path: Path) -> None:
    plugin = tmp_path / generated.name
    shutil.copytree(generated, plugin)
    source = (MALICIOUS / sample).read_text()
    (plugin / "includes" / sample).write_text(source)
    expected = set(re.search(r"// expect: (.+)", source).group(1).split())  # type: ignore[union-attr]
    report = scan(plugin, HOSTS, exclude=PLATFORM.dist_exclude, platform_rules=PLATFORM.analyser_rules)
    assert not report.ok
    assert expected <= {f.rule for f in report.errors}, report.describe()
    assert {f.path for f in report.errors} == {f"includes/{sample}"}, report.describe()


def test_a_different_allowlist_turns_the_generated_api_host_into_an_error(generated: Path) -> None:
    report = scan(generated, {"api.other.example"}, exclude=PLATFORM.dist_exclude, only=["net."])
    # The live and the sandbox (test mode) base URLs of the gateway (issue 14).
    assert [f.rule for f in report.errors] == ["net.host-not-allowed"] * 2
    assert "points at api.molam.com" in report.errors[0].message + report.errors[1].message
    assert "sandbox.api.molam.com" in report.errors[0].message + report.errors[1].message
