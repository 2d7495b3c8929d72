"""The Shopify stand-in's pure parts: what it reads from the app's configuration, what it sends as Shopify, how it
answers the GraphQL mutations, which files and command the Sandbox step gets, and how the Test step reads its
results. Running it against the app is tests/integration/cms/test_shopify_standin.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forge.cms import check_rows
from forge.cms.shopify import contracts
from forge.cms.shopify.sandbox import admin_api, harness, layout, sessions
from forge.models.spec import load_spec

REPO = Path(__file__).resolve().parents[3]
SPEC = load_spec(REPO / "examples" / "woocommerce.yaml")

EXTENSION = """
api_version = "2025-07"
[[extensions]]
type = "payments_extension"
handle = "molam"
payment_session_url = "https://app.example.com/payments/sessions"
refund_session_url = "https://app.example.com/payments/refunds"
capture_session_url = "https://app.example.com/payments/captures"
void_session_url = "https://app.example.com/payments/voids"
"""
APP_TOML = """
[webhooks]
api_version = "2025-07"
[[webhooks.subscriptions]]
compliance_topics = ["customers/data_request", "customers/redact", "shop/redact"]
uri = "/webhooks/compliance"
"""


def _app(tmp_path: Path, extension: str = EXTENSION, app_toml: str = APP_TOML) -> Path:
    (tmp_path / "extensions" / "molam").mkdir(parents=True)
    (tmp_path / "extensions" / "molam" / "shopify.extension.toml").write_text(extension)
    (tmp_path / "shopify.app.toml").write_text(app_toml)
    return tmp_path


def test_layout_reads_session_urls_and_compliance_uri_from_the_apps_own_configuration(tmp_path: Path) -> None:
    found = layout.read_layout(_app(tmp_path))
    assert found.problems == []
    assert found.sessions["payment_session_url"] == "/payments/sessions"
    assert found.sessions["refund_session_url"] == "/payments/refunds"
    assert found.compliance == dict.fromkeys(layout.COMPLIANCE_TOPICS, "/webhooks/compliance")


def test_layout_names_what_is_missing(tmp_path: Path) -> None:
    found = layout.read_layout(_app(tmp_path, extension="[[extensions]]\ntype = 'x'\n", app_toml=""))
    assert any("payment_session_url" in p for p in found.problems)
    assert any("customers/redact" in p for p in found.problems)


@pytest.mark.parametrize(
    ("minor", "exponent", "text"), [(1234, 2, "12.34"), (5, 2, "0.05"), (1234, 0, "1234"), (1, 3, "0.001")]
)
def test_amounts_are_shopifys_decimal_strings(minor: int, exponent: int, text: str) -> None:
    assert sessions.decimal_amount(minor, exponent) == text


def test_payment_session_is_the_documented_request() -> None:
    session = sessions.payment_session("/payments/sessions", 1234, 0, "XOF")
    body = json.loads(session.body)
    assert body["gid"] == f"gid://shopify/PaymentSession/{body['id']}" == session.gid
    assert body["amount"] == "1234"
    assert body["payment_method"]["type"] == "offsite"
    assert {"id", "gid", "group", "session_id", "currency", "test", "customer", "proposed_at"} <= body.keys()
    assert {"Shopify-Shop-Domain", "Shopify-Request-Id", "Shopify-Api-Version"} <= session.headers.keys()
    refund = json.loads(sessions.refund_session("/payments/refunds", body["id"], 500, 2, "EUR").body)
    assert refund["payment_id"] == body["id"]
    assert refund["amount"] == "5.00"


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("mutation paymentSessionResolve($id: ID!) { paymentSessionResolve(id: $id) { userErrors { message } } }",
         "paymentSessionResolve"),
        ("mutation Reject($id: ID!, $reason: PaymentSessionRejectionReasonInput!) {\n  paymentSessionReject(id: $id, "
         "reason: $reason) { userErrors { field } } }", "paymentSessionReject"),
        ("mutation { result: refundSessionResolve(id: \"x\") { userErrors { field } } }", "refundSessionResolve"),
    ],
)  # fmt: skip
def test_graphql_mutation_is_recognised_and_answered_as_resolved_or_rejected(query: str, name: str) -> None:
    found = admin_api.MUTATION_FIELD.search(query)
    assert found is not None
    assert found.group(1) == name
    data = admin_api.answer(name, {"id": "gid://shopify/PaymentSession/1"})["data"][name]
    assert data["userErrors"] == []
    assert data[admin_api.OUTCOMES[name][0]]["state"]["code"] in ("RESOLVED", "REJECTED")


def test_unknown_query_is_an_error_not_a_success() -> None:
    assert "errors" in admin_api.answer("", {})


def test_graphql_paths_of_both_apis_are_served_and_nothing_else() -> None:
    assert admin_api.GRAPHQL_PATH.match("/payments_apps/api/2025-07/graphql.json")
    assert admin_api.GRAPHQL_PATH.match("/admin/api/2025-07/graphql.json")
    assert not admin_api.GRAPHQL_PATH.match("/admin/api/2025-07/graphql.json/../x")


def test_sandbox_files_hold_the_standin_package_and_the_fake_provider_but_not_the_forge_side() -> None:
    files = harness.sandbox_files()
    assert "sandbox/shopify/__main__.py" in files
    assert "sandbox/shopify/__init__.py" in files
    assert "sandbox/provider/router.php" in files
    assert "sandbox/provider/provider-api.json" in files
    assert "sandbox/shopify/harness.py" not in files
    # Stdlib only: the stand-in runs with the sandbox's system python3, without the forge.
    for path, data in files.items():
        if path.startswith("sandbox/shopify/"):
            assert b"from forge" not in data
            assert b"import forge" not in data, path


def test_sandbox_command_runs_the_standin_with_the_specs_urls_and_currency() -> None:
    command = harness.sandbox_command(SPEC)
    argv = list(command.argv)
    assert argv[:3] == ["python3", "-m", "sandbox.shopify"]
    assert argv[argv.index("--test-url") + 1] == (SPEC.api_sandbox_base_url or SPEC.api_base_url)
    assert argv[argv.index("--currency") + 1] == SPEC.currencies[0]
    assert "NOT Shopify" in command.label


def test_the_specs_features_reach_the_standin() -> None:
    assert "--no-webhooks" not in harness.standin_argv(SPEC)
    off = SPEC.model_copy(update={"features": SPEC.features.model_copy(update={"webhooks": False, "refunds": False})})
    argv = harness.standin_argv(off)
    assert "--no-webhooks" in argv
    assert "--no-refunds" in argv


def test_contract_rows_come_from_the_standins_json_lines() -> None:
    stdout = "\n".join(
        [
            json.dumps({"suite": "events", "name": "provider_success_resolves_payment_session", "ok": True}),
            "not json",
            json.dumps({"suite": "permissions", "name": "client_without_certificate_refused", "ok": False,
                        "detail": "HTTP 200"}),
        ]
    )  # fmt: skip
    rows = check_rows.rows_from_check_lines(stdout)
    assert [(r.suite, r.result) for r in rows] == [("events", "pass"), ("permissions", "fail")]
    assert rows[1].details == {"detail": "HTTP 200"}


def test_static_compatibility_reads_package_json_and_the_extension(tmp_path: Path) -> None:
    app = _app(tmp_path)
    (app / "package.json").write_text(json.dumps({"version": SPEC.version, "engines": {"node": ">=20"}}))
    rows = {r.name: r.result for r in contracts.static_results(SPEC, app, "v20.19.2")}
    assert set(rows.values()) == {"pass"}, rows
    (app / "package.json").write_text(json.dumps({"version": "0.0.0", "engines": {"node": ">=22"}}))
    rows = {r.name: r.result for r in contracts.static_results(SPEC, app, "v20.19.2")}
    assert set(rows.values()) == {"fail", "pass"}
    assert rows["package_version_is_spec_version"] == "fail"


def test_the_sandbox_step_records_the_standins_report_as_one_platform_run(tmp_path: Path) -> None:
    assert harness.stage_platform(SPEC, tmp_path)
    report = [
        {"suite": "events", "name": "provider_success_resolves_payment_session", "ok": True, "detail": ""},
        {"suite": "permissions", "name": "client_without_certificate_refused", "ok": False, "detail": "HTTP 200"},
        {"suite": "made-up", "name": "ignored", "ok": True},
    ]
    (tmp_path / "sandbox").mkdir()
    (tmp_path / harness.REPORT).write_text(json.dumps(report))
    [run] = harness.run_platform(SPEC, tmp_path, tmp_path, {}, None)
    assert not run.ok
    assert run.summary == "failed: client_without_certificate_refused"
    assert [c[:2] for c in run.checks] == [
        ("provider_success_resolves_payment_session", True),
        ("client_without_certificate_refused", False),
    ]
    assert [r.name for r in run.contract_rows] == [
        "sandbox:shopify-standin:provider_success_resolves_payment_session",
        "sandbox:shopify-standin:client_without_certificate_refused",
    ]


def test_no_report_is_a_failed_run(tmp_path: Path) -> None:
    [run] = harness.run_platform(SPEC, tmp_path, tmp_path, {}, None)
    assert not run.ok
    assert "no report" in run.summary
