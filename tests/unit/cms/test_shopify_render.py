"""The Shopify platform's rendering: deterministic, the app's layout and manifests, its dependencies pinned by the
lock the offline cache is filled from, TOML escaping, the spec rules, and the SBOM read from package-lock.json."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from forge.cms import get_platform
from forge.cms.rendering import toml_str
from forge.cms.shopify import toolchain
from forge.cms.shopify.platform import PLATFORM
from forge.cms.spec_acceptance import accept_spec, spec_json_schema
from forge.errors import SpecError
from forge.models.spec import load_spec
from forge.packaging.distribution import distributable
from forge.packaging.sbom import build_sbom

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "shopify.yaml"


def _data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = load_spec(EXAMPLE).model_dump(mode="json", exclude_none=True)
    return data | changes


def test_registry_finds_the_platform() -> None:
    assert get_platform("shopify") is PLATFORM


def test_rendering_is_deterministic_and_has_the_app_layout() -> None:
    spec = load_spec(EXAMPLE)
    tree = PLATFORM.render(spec)
    assert tree == PLATFORM.render(spec)
    for path in (
        "package.json",
        "package-lock.json",
        "tsconfig.json",
        "eslint.config.js",
        "shopify.app.toml",
        f"extensions/{spec.slug}/shopify.extension.toml",
        "src/server.ts",
        "src/settings.ts",
        "tests/payments.test.ts",
    ):
        assert path in tree, path
    assert PLATFORM.main_file(spec) in tree
    assert json.loads(tree["tsconfig.json"])["compilerOptions"]["strict"] is True


def test_the_extension_is_an_offsite_payments_extension_with_every_session_url() -> None:
    spec = load_spec(EXAMPLE)
    manifest = tomllib.loads(PLATFORM.render(spec)[f"extensions/{spec.slug}/shopify.extension.toml"].decode())
    extension = manifest["extensions"][0]
    assert extension["type"] == "payments_extension"
    assert extension["targeting"] == [{"target": "payments.offsite.render"}]
    for kind in ("payment", "refund", "capture", "void"):
        assert extension[f"{kind}_session_url"].startswith("https://"), kind
    assert "SN" in extension["supported_countries"]  # XOF


def test_the_app_pins_exactly_what_the_lock_holds() -> None:
    spec = load_spec(EXAMPLE)
    tree = PLATFORM.render(spec)
    manifest, lock = json.loads(tree["package.json"]), json.loads(tree["package-lock.json"])
    root = toolchain.root_package()
    assert manifest["dependencies"] == root["dependencies"] == lock["packages"][""]["dependencies"]
    assert manifest["devDependencies"] == root["devDependencies"] == lock["packages"][""]["devDependencies"]
    assert all(not version.startswith(("^", "~")) for version in manifest["dependencies"].values())
    assert (lock["name"], lock["version"]) == (spec.slug, spec.version)
    # Every locked package names its tarball and its integrity hash: npm ci --offline finds each in the cache.
    packages = [p for path, p in lock["packages"].items() if path]
    assert packages
    assert all(p.get("resolved", "").startswith("https://registry.npmjs.org/") and p.get("integrity") for p in packages)


def test_the_shopify_package_is_shopifys_own_and_runs_on_debians_node() -> None:
    lock = toolchain.lock()
    api = lock["packages"]["node_modules/@shopify/shopify-api"]
    assert api["engines"]["node"] == ">=20.0.0"


def test_dev_files_stay_out_of_the_package_and_the_sbom_reads_the_lock() -> None:
    spec = load_spec(EXAMPLE)
    tree = dict(PLATFORM.render(spec))
    shipped = distributable(tree, PLATFORM.dist_exclude)
    assert "package-lock.json" in shipped
    assert "src/server.ts" in shipped
    assert not [p for p in shipped if p.startswith(("tests/", "node_modules/")) or p == "vitest.config.ts"]
    sbom = json.loads(
        build_sbom(
            name=spec.name,
            slug=spec.slug,
            version=spec.version,
            zip_sha256="0" * 64,
            shipped=shipped,
            source=tree,
            timestamp=datetime(2024, 1, 1, tzinfo=UTC),
            lockfile=PLATFORM.lockfile,
        )
    )
    purls = {c["purl"] for c in sbom["components"]}
    assert "pkg:npm/%40shopify/shopify-api@13.1.0" in purls
    api = next(c for c in sbom["components"] if c["name"] == "@shopify/shopify-api")
    assert api["scope"] == "required"
    assert api["hashes"][0]["alg"] == "SHA-512"
    assert next(c for c in sbom["components"] if c["name"] == "vitest")["scope"] == "optional"


@pytest.mark.parametrize(
    "value",
    ['quote " and backslash \\', "line\nbreak = 1", "tab\there", "\u202eoverride", "bell\x07", "é ünïcode"],
)
def test_toml_strings_hold_any_text(value: str) -> None:
    assert tomllib.loads(f"key = {toml_str(value)}\n") == {"key": value}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"slug": "shopify-molam"}, "poses as Shopify"),
        ({"slug": "1molam"}, "not a Shopify extension handle"),
        ({"name": "Molam for Shopify"}, "refuses 'Shopify'"),
        ({"settings": [{"key": "note", "label": "Note"}]}, "settings: a Shopify app"),
        ({"compatibility": {"php": {"min": "8.1", "tested": "8.3"}}}, "compatibility.php: not a field of shopify"),
    ],
)
def test_spec_rules_refuse_what_shopify_refuses(changes: dict[str, Any], expected: str) -> None:
    with pytest.raises(SpecError) as caught:
        accept_spec(_data(**changes))
    assert expected in str(caught.value)


def test_the_example_is_accepted_with_the_node_range_filled_in() -> None:
    spec = accept_spec(_data())
    assert spec.version_range("node").min == "20.19"
    assert spec.compatibility.php is None


def test_the_published_schema_carries_shopifys_rules() -> None:
    clauses = [
        part["then"]
        for part in spec_json_schema()["allOf"]
        if part["if"]["properties"]["platform"]["const"] == "shopify"
    ]
    assert clauses
    assert clauses[0]["properties"]["settings"] == {"maxItems": 0}


def test_forge_package_names_the_app_from_its_package_json() -> None:
    from forge.packaging.plugin_header import IDENTITY_READERS

    spec = load_spec(EXAMPLE)
    tree = PLATFORM.render(spec)
    assert IDENTITY_READERS[PLATFORM.identity](tree) == (spec.slug, spec.version, spec.description)
    assert IDENTITY_READERS[PLATFORM.identity]({"package.json": b"[1]"}) == (None, None, None)
