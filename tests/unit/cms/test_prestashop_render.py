"""The PrestaShop platform's rendering: deterministic, PrestaShop's layout, the spec rules, a clean Addons scan."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from forge.cms import get_platform
from forge.cms.prestashop.platform import PLATFORM
from forge.cms.spec_acceptance import accept_spec
from forge.errors import SpecError
from forge.gates import scan
from forge.models.spec import load_spec
from forge.packaging.archive import write_tree

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "prestashop.yaml"
HOSTS = ("api.molam.com", "sandbox.api.molam.com")


def test_registry_finds_the_platform() -> None:
    assert get_platform("prestashop") is PLATFORM


def test_rendering_is_deterministic_and_has_prestashop_layout() -> None:
    spec = load_spec(EXAMPLE)
    tree = PLATFORM.render(spec)
    assert tree == PLATFORM.render(spec)
    for path in ("molampay.php", "config.xml", "composer.json", "logo.png", "controllers/front/validation.php"):
        assert path in tree, path
    folders = {p.rsplit("/", 1)[0] for p in tree if "/" in p} | {""}
    assert all((f"{f}/index.php" if f else "index.php") in tree for f in folders)
    assert b"class Molampay extends PaymentModule" in tree["molampay.php"]


def test_logo_is_a_real_png() -> None:
    data = PLATFORM.render(load_spec(EXAMPLE))["logo.png"]
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (64, 64)
    idat = data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8]
    assert len(zlib.decompress(idat)) == 64 * (1 + 64 * 4)


def test_the_generated_module_passes_the_addons_rules(tmp_path: Path) -> None:
    spec = load_spec(EXAMPLE)
    folder = tmp_path / spec.slug
    write_tree(dict(PLATFORM.render(spec)), folder)
    report = scan(
        folder, HOSTS, exclude=PLATFORM.dist_exclude, only=["addons."], platform_rules=PLATFORM.analyser_rules
    )
    assert report.findings == [], report.describe()


@pytest.mark.parametrize(
    ("slug", "expected"),
    [("molam-pay", "not a PrestaShop module name"), ("psmolam", "poses as"), ("prestashoppay", "poses as")],
)
def test_module_names_prestashop_refuses_are_refused(slug: str, expected: str) -> None:
    data = load_spec(EXAMPLE).model_dump(mode="json") | {"slug": slug}
    with pytest.raises(SpecError) as caught:
        accept_spec(data, "spec", HOSTS)
    assert any(p.startswith("slug") and expected in p for p in caught.value.problems), caught.value.problems


def test_fields_of_another_platform_are_refused() -> None:
    data = load_spec(EXAMPLE).model_dump(mode="json")
    data["compatibility"] = {**data["compatibility"], "wordpress": {"min": "6.2", "tested": "6.5"}}
    data["features"] = {**data["features"], "blocks_checkout": True}
    with pytest.raises(SpecError) as caught:
        accept_spec(data, "spec", HOSTS)
    assert any("compatibility.wordpress" in p and "features.blocks_checkout" in p for p in caught.value.problems)
