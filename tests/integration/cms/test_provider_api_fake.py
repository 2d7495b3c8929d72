"""The fake provider's PHP validator (forge/cms/provider_api/fake/schema.php) agrees with a reference JSON Schema
validator on the document's own schemas, and refuses a field the document lacks."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker

from forge.cms import provider_api

REPO = Path(__file__).resolve().parents[3]
VALIDATOR = provider_api.FAKE / "schema.php"


SAMPLES: list[tuple[str, Any]] = [
    ("createPayment", {"amount": 1500, "currency": "XOF", "order_id": "12", "return_url": "https://shop.example/r"}),
    (
        "createPayment",
        {"amount": 1500, "currency": "XOF", "order_id": "12", "return_url": "https://s.example/r", "x": 1},
    ),
    ("createPayment", {"amount": 0, "currency": "XOF", "order_id": "12", "return_url": "https://shop.example/r"}),
    ("createPayment", {"amount": 10, "currency": "xof", "order_id": "12", "return_url": "https://shop.example/r"}),
    ("createPayment", {"amount": 10, "currency": "XOF", "order_id": "12", "return_url": "not a url"}),
    ("createPayment", {"amount": "10", "currency": "XOF", "order_id": "12", "return_url": "https://shop.example/r"}),
    ("createPayment", {"currency": "XOF", "order_id": "12", "return_url": "https://shop.example/r"}),
    (
        "createPayment",
        {
            "amount": 10,
            "currency": "XOF",
            "order_id": "1",
            "return_url": "https://s.example/r",
            "customer": {"email": "a@b.example", "country": "SN"},
            "payment_methods": ["card", "mobile_money"],
            "metadata": {"plugin": "x"},
        },
    ),
    (
        "createPayment",
        {
            "amount": 10,
            "currency": "XOF",
            "order_id": "1",
            "return_url": "https://s.example/r",
            "customer": {"country": ""},
        },
    ),
    (
        "createPayment",
        {
            "amount": 10,
            "currency": "XOF",
            "order_id": "1",
            "return_url": "https://s.example/r",
            "payment_methods": ["cash"],
        },
    ),
    ("createRefund", {"payment_id": "pay_1", "amount": 5, "currency": "EUR"}),
    ("createRefund", {"payment_id": "pay-1", "amount": 5, "currency": "EUR"}),
    ("createRefund", {"payment_id": "pay_1", "amount": 5, "currency": "EUR", "reason": "x" * 501}),
]


def _php_verdicts(samples: list[tuple[str, Any]]) -> list[bool]:
    schemas = {op["id"]: op["body"] for op in provider_api.compiled()["operations"]}
    cases = [{"schema": schemas[op], "value": value} for op, value in samples]
    script = (
        f"require {json.dumps(str(VALIDATOR))};"
        "$cases = json_decode( stream_get_contents( STDIN ), true );"
        "echo json_encode( array_map( function ( $c ) {"
        " return ! Forge_Api_Schema::validate( $c['value'], $c['schema'] ); }, $cases ) );"
    )
    done = subprocess.run(["php", "-r", script], input=json.dumps(cases), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not done.stderr, done.stderr
    return list(json.loads(done.stdout))


def test_the_fakes_validator_agrees_with_a_reference_json_schema_validator() -> None:
    schemas = {op["id"]: op["body"] for op in provider_api.compiled()["operations"]}
    checker = FormatChecker(["email"])
    # What the document means by a uri here (and the fake checks): an absolute http(s) URL.
    checker.checks("uri")(lambda value: not isinstance(value, str) or urlsplit(value).scheme in ("http", "https"))
    reference = [Draft202012Validator(schemas[op], format_checker=checker).is_valid(v) for op, v in SAMPLES]
    assert _php_verdicts(SAMPLES) == reference
    assert reference.count(True) == 3  # the samples exercise refusals, not only acceptance


def test_a_field_the_document_lacks_is_refused_by_the_fake(tmp_path: Path) -> None:
    contract = tmp_path / "provider-api.json"
    contract.write_bytes(provider_api.compiled_json())
    script = f"""
require {json.dumps(str(provider_api.FAKE / "provider.php"))};
$fake = new Forge_Fake_Provider( json_decode( file_get_contents( {json.dumps(str(contract))} ), true ),
    {json.dumps(str(tmp_path / "state.json"))}, array( 'keys' => array( 'test' => 'mk_test_k0000000000000001' ) ) );
$headers = array( 'Authorization' => 'Bearer mk_test_k0000000000000001' );
$headers['Idempotency-Key'] = 'wc_1_1_abcdef0123456789';
$body = array( 'amount' => 10, 'currency' => 'XOF', 'order_id' => '1', 'return_url' => 'https://s.example/r' );
$ok = $fake->handle( 'POST', 'https://sandbox.api.molam.com/v1/payments', $headers, json_encode( $body ) );
$body['gift_wrap'] = 'yes';
$headers['Idempotency-Key'] = 'wc_1_2_abcdef0123456789';
$bad = $fake->handle( 'POST', 'https://sandbox.api.molam.com/v1/payments', $headers, json_encode( $body ) );
echo json_encode( array( $ok['status'], $bad['status'], json_decode( $bad['body'], true ) ) );
"""
    done = subprocess.run(["php", "-r", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not done.stderr, done.stderr
    ok, bad, error = json.loads(done.stdout)
    assert (ok, bad) == (201, 400)
    assert "field 'gift_wrap' is not in the provider API document" in error["error"]["message"]
    state = json.loads((tmp_path / "state.json").read_text())
    assert len(state["violations"]) == 1
    assert len(state["payments"]) == 1
