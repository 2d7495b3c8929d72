"""The provider API document (forge/cms/provider_api/openapi.yaml): valid OpenAPI 3.1, every part marked confirmed
or assumed, its schemas valid JSON Schema, and the generated plugin taking its protocol from it. The fake provider's
PHP validator is checked against a reference one in tests/integration/cms/test_provider_api_fake.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from forge.cms import provider_api
from forge.cms.woocommerce.platform import PLATFORM
from forge.models.spec import load_spec

REPO = Path(__file__).resolve().parents[3]
VALIDATOR = provider_api.FAKE / "schema.php"


def test_the_document_is_valid_openapi_3_1() -> None:
    validate(provider_api.document())
    assert provider_api.document()["openapi"].startswith("3.1")


def test_every_part_says_whether_the_provider_confirmed_it() -> None:
    unconfirmed = provider_api.unconfirmed_parts()  # raises when a part carries no mark
    assert "x-webhook-signature" in unconfirmed
    assert "paths//payments/post" in unconfirmed


def test_compiled_request_schemas_are_valid_json_schema() -> None:
    compiled = provider_api.compiled()
    assert {op["id"] for op in compiled["operations"]} == {
        "createPayment",
        "retrievePayment",
        "createRefund",
        "retrieveRefund",
    }
    for op in compiled["operations"]:
        if op["body"] is not None:
            Draft202012Validator.check_schema(op["body"])
            assert op["headers"]["Idempotency-Key"]["required"] is True
    for schema in compiled["webhooks"].values():
        Draft202012Validator.check_schema(schema)


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    spec = load_spec(REPO / "examples" / "woocommerce.yaml")
    return {k: v.decode() for k, v in PLATFORM.render(spec).items()}


def test_the_generated_plugin_takes_its_protocol_from_the_document(rendered: dict[str, str]) -> None:
    signature = provider_api.signature_scheme()
    webhook = rendered["includes/class-molam-pay-for-woocommerce-webhook.php"]
    assert f"const SIGNATURE_HEADER = '{signature['signature-header']}';" in webhook
    assert f"const TIMESTAMP_HEADER = '{signature['timestamp-header']}';" in webhook
    assert f"const TOLERANCE = {signature['tolerance-seconds']};" in webhook
    api = rendered["includes/class-molam-pay-for-woocommerce-api.php"]
    assert f"const IDEMPOTENCY_HEADER = '{provider_api.idempotency_header()}';" in api
    gateway = rendered["includes/class-molam-pay-for-woocommerce-gateway.php"]
    for mode, prefix in provider_api.key_prefixes().items():
        assert f"'{mode}' => '{prefix}'," in gateway
