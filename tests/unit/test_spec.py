"""The plugin spec: every rule, and every bad field named."""

from __future__ import annotations

from pathlib import Path

import jsonschema_rs
import pytest

from forge.cms.spec_acceptance import accept_spec, spec_json_schema, spec_json_schema_text
from forge.errors import SpecError
from forge.models.spec import load_spec, parse_spec

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "woocommerce.yaml"
# The allowlist a spec is accepted against comes with the call (the validation context), not from the environment.
ALLOWED = ("api.molam.com", "sandbox.api.molam.com")


def example() -> dict:
    return load_spec(EXAMPLE).model_dump(mode="json")


def problems(data: object) -> list[str]:
    with pytest.raises(SpecError) as caught:
        accept_spec(data, "spec.yaml", ALLOWED)
    return caught.value.problems


def test_example_is_valid_and_its_digest_is_stable() -> None:
    spec = load_spec(EXAMPLE)
    assert spec.slug == "molam-pay-for-woocommerce"
    assert spec.digest() == load_spec(EXAMPLE).digest()
    assert len(spec.digest()) == 64


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("slug", "Molam_Pay", "lowercase letters"),
        ("slug", "woocommerce-molam", "<brand>-for-woocommerce"),
        ("slug", "woo-molam", "trademark"),
        ("slug", "stripe-molam", "trademark"),
        ("slug", "paypal-molam", "trademark"),
        ("version", "1.0", "SemVer"),
        ("platform", "joomla", "woocommerce"),
        ("api_base_url", "http://api.molam.com", "https://"),
        ("api_base_url", "https://evil.example.com/v1", "not allowlisted"),
        ("api_base_url", "https://user:pw@api.molam.com", "credentials"),
        ("currencies", ["EUR", "eur"], "pattern"),
        ("currencies", ["EUR", "EUR"], "duplicates"),
        ("payment_methods", [], "at least 1"),
    ],
)
def test_each_rule_names_its_field(field: str, value: object, expected: str) -> None:
    data = example() | {field: value}
    found = problems(data)
    assert any(p.startswith(field) and expected in p for p in found), found


def test_every_bad_field_is_reported_at_once() -> None:
    data = example() | {"slug": "Bad Slug", "version": "x", "colour": "red"}
    del data["name"]
    found = problems(data)
    fields = {p.split(":")[0] for p in found}
    assert {"slug", "version", "colour", "name"} <= fields
    assert "colour: unknown field" in found


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as missing:
        load_spec(tmp_path / "nope.yaml")
    assert missing.value.problems == ["file not found"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(SpecError) as unparsable:
        load_spec(bad)
    assert "not valid YAML" in unparsable.value.problems[0]
    assert str(bad) in str(unparsable.value)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just a string\n")
    with pytest.raises(SpecError):
        load_spec(scalar)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("slug", "woocommerce", "<brand>-for-woocommerce"),
        ("slug", "molam--pay", "single hyphens"),
        ("slug", "-molam", "lowercase letters"),
        ("version", "1.0.0-", "SemVer"),
        ("version", "01.0.0", "SemVer"),
        ("compatibility", {"php": {"min": "8.3", "tested": "7.4"}}, "above tested"),
        ("compatibility", {"platform": {"min": "eight", "tested": "9.3"}}, "pattern"),
        ("payment_methods", ["card", "cheque"], "card"),
        ("features", {"refunds": "maybe"}, "boolean"),
        ("api_base_url", "https://api.molam.com:8443/v1", "port"),
        ("api_base_url", "https://api.molam.com.evil.example/v1", "not allowlisted"),
        ("settings", [{"key": "Bad Key", "label": "x"}], "pattern"),
        ("description", "short", "at least 10"),
    ],
)
def test_more_rules_name_their_field(field: str, value: object, expected: str) -> None:
    found = problems(example() | {field: value})
    assert any(p.startswith(field) and expected in p for p in found), found


@pytest.mark.parametrize("version", ["1.0.0-rc.1+b.2", "2.1.0-rc.1", "1.0.0+build.5"])
def test_semver_suffixes_the_build_gate_refuses_are_refused_with_a_hint(version: str) -> None:
    found = problems(example() | {"version": version})
    assert any(p.startswith("version") and "dotted number such as 1.2.3" in p for p in found), found


@pytest.mark.parametrize(
    ("slug", "term"),
    [
        ("wordpress-molam-pay", "wordpress"),
        ("wp-molam-pay", "wp"),
        ("google-pay-for-woocommerce", "google"),
        ("molam-woocommerce", "woocommerce"),
        ("woocommerce-molam-for-woocommerce", "woocommerce"),
    ],
)
def test_slugs_the_trademark_gate_refuses_are_refused(slug: str, term: str) -> None:
    found = problems(example() | {"slug": slug})
    assert any(p.startswith("slug") and f"trademark '{term}'" in p and "<brand>-for-woocommerce" in p for p in found)


def test_the_spec_and_the_build_gate_share_one_trademark_rule() -> None:
    from forge.cms.woocommerce.rules.plugin_check import trademark_in

    for slug in ("molam-pay-for-woocommerce", "molam-pay", "acme-checkout"):
        assert trademark_in(slug) is None
        assert accept_spec(example() | {"slug": slug}).slug == slug


def test_a_trademarked_plugin_name_is_refused() -> None:
    found = problems(example() | {"name": "WordPress Molam Pay"})
    assert any(p.startswith("name") and "trademark 'wordpress'" in p for p in found), found
    assert accept_spec(example() | {"name": "Molam Pay for WooCommerce"}).name == "Molam Pay for WooCommerce"


def test_trailing_slash_of_the_api_url_is_dropped() -> None:
    assert parse_spec(example() | {"api_base_url": "https://api.molam.com/v1/"}).api_base_url.endswith("/v1")


def test_published_json_schema_matches_the_model() -> None:
    """docs/plugin-spec.schema.json is generated (`python -m forge.cms.spec_acceptance > docs/...`)."""
    published = (EXAMPLE.parents[1] / "docs" / "plugin-spec.schema.json").read_text(encoding="utf-8")
    assert published == spec_json_schema_text(), "regenerate docs/plugin-spec.schema.json"


def test_json_schema_accepts_the_example_and_refuses_what_the_model_refuses() -> None:
    validator = jsonschema_rs.Draft202012Validator(spec_json_schema())
    assert validator.is_valid(example())
    assert validator.is_valid(example() | {"slug": "acme-checkout", "version": "10.20.30"})
    for bad in (
        {"slug": "woo-molam"},
        {"slug": "woocommerce-molam"},
        {"slug": "Molam_Pay"},
        {"version": "1.0"},
        {"version": "1.0.0-rc.1+b.2"},
        {"slug": "wordpress-molam-pay"},
        {"slug": "wp-molam-pay"},
        {"slug": "google-pay-for-woocommerce"},
        {"slug": "molam-woocommerce"},
        {"api_base_url": "http://api.molam.com"},
        {"colour": "red"},
        {"currencies": ["eur"]},
        {"payment_methods": []},
    ):
        assert not validator.is_valid(example() | bad), bad
