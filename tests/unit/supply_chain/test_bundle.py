"""The package bundle: reproducible zip and SBOM, SHA256SUMS, composer components (coreutils checking the
SHA256SUMS: tests/integration/supply_chain/test_sha256sums_coreutils.py)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from cyclonedx.model.bom import Bom

from forge.errors import StepFailed
from forge.packaging.bundle import build_bundle
from forge.packaging.checksums import parse_sha256sums, sha256sums
from forge.packaging.plugin_header import header_version
from forge.signing.verify import sha256_hex
from tests.demo_bundle import SHIPPED, bundle


def test_bundle_is_byte_reproducible_and_laid_out_under_the_slug() -> None:
    first, second = bundle(), bundle()
    assert first == second
    names = zipfile.ZipFile(io.BytesIO(first.zip_data)).namelist()
    assert names == ["demo/demo.php", "demo/inc/a.php"]
    assert first.zip_sha256 == sha256_hex(first.zip_data)


def test_sbom_names_the_plugin_its_files_and_locked_composer_packages() -> None:
    made = bundle()
    sbom = json.loads(made.sbom)
    assert sbom["bomFormat"] == "CycloneDX"
    assert sbom["specVersion"] == "1.6"
    plugin = sbom["metadata"]["component"]
    assert (plugin["name"], plugin["version"]) == ("demo", "1.4.2")
    assert plugin["hashes"] == [{"alg": "SHA-256", "content": made.zip_sha256}]
    files = {c["name"]: c["hashes"][0]["content"] for c in plugin["components"]}
    assert files == {f"demo/{p}": sha256_hex(c) for p, c in SHIPPED.items()}
    deps = {c["name"]: c for c in sbom["components"]}
    assert set(deps) == {"psr/log", "phpunit/phpunit"}  # the php platform requirement is no package
    assert deps["psr/log"]["purl"] == "pkg:composer/psr/log@3.0.2"
    assert deps["psr/log"]["hashes"] == [{"alg": "SHA-1", "content": "f16e1d5863e37f8d8c2a01719f5b34baa2b714d3"}]
    assert deps["phpunit/phpunit"]["scope"] == "optional"
    assert "hashes" not in deps["phpunit/phpunit"]
    # The library reads back what it wrote: the document is well-formed CycloneDX.
    assert len(Bom.from_json(sbom).components) == 2


def test_sbom_without_a_lock_lists_declared_requirements() -> None:
    source = {"composer.json": json.dumps({"require": {"php": ">=8.1", "ext-json": "*", "a/b": "^1.2"}}).encode()}
    sbom = json.loads(build_bundle(name="x", slug="x", version="1", shipped={"x.php": b"1"}, source=source).sbom)
    assert [(c["name"], c["version"]) for c in sbom["components"]] == [("a/b", "^1.2")]


def test_bad_composer_lock_is_a_clear_error() -> None:
    with pytest.raises(StepFailed, match=r"composer\.lock is not valid JSON"):
        build_bundle(name="x", slug="x", version="1", shipped={"x.php": b"1"}, source={"composer.lock": b"{"})


def test_checksums_refuse_paths_and_malformed_lines() -> None:
    with pytest.raises(StepFailed, match="plain file names"):
        sha256sums({"../x": b""})
    with pytest.raises(StepFailed, match="line 1"):
        parse_sha256sums(b"abc  x\n")


def test_plugin_header_version() -> None:
    assert header_version(SHIPPED) == "1.4.2"
    assert header_version({"inc/x.php": b" * Version: 9"}) is None
