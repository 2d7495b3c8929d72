"""The generated Shopify app's boundaries, attacked through the Shopify stand-in (NOT Shopify):

- a client without Shopify's certificate, or with a certificate another CA issued under Shopify's very name, calls
  the payment session URL: refused, and no provider payment is created;
- a provider webhook signed with another secret, and a compliance webhook with a forged HMAC: refused, nothing moves;
- Shopify's test mode and live mode kept apart: a test session's payment never reaches the live provider, and an
  event signed with the test account's secret does not settle a live payment;
- the app's provider lies outside ALLOWED_HOSTS: the request never leaves the app.

Each attack runs against the app as generated (the defence holds), and against the same app with that one defence
taken away through its environment, where the stand-in's check must fail: the check can fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from forge.models.spec import PluginSpec
from tests.shopify_standin_runs import StandinRun, built_app, demo_spec, run_standin

FORGED_COMPLIANCE = [
    "forged_compliance_webhook_refused:customers/data_request",
    "forged_compliance_webhook_refused:customers/redact",
    "forged_compliance_webhook_refused:shop/redact",
]


@pytest.fixture(scope="module")
def spec() -> PluginSpec:
    return demo_spec()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, spec: PluginSpec) -> Path:
    return built_app(tmp_path_factory.mktemp("shopify-app"), spec)


@pytest.fixture(scope="module")
def genuine(app: Path, spec: PluginSpec, tmp_path_factory: pytest.TempPathFactory) -> StandinRun:
    return run_standin(app, spec, tmp_path_factory.mktemp("genuine"))


def _trust_the_impostor(env: dict[str, str]) -> dict[str, str]:
    return {**env, "SHOPIFY_CLIENT_CA_FILE": env["SHOPIFY_CLIENT_CA_FILE"].replace("shopify-ca", "impostor-ca")}


def _holds(run: StandinRun, *names: str) -> None:
    for name in names:
        assert run.checks.get(name) is True, f"{name}: {run.details.get(name)}\n{run.stderr}"


def test_the_generated_app_passes_every_check_of_the_standin(genuine: StandinRun) -> None:
    failed = {n: genuine.details[n] for n, ok in genuine.checks.items() if not ok}
    assert genuine.code == 0, failed
    assert failed == {}
    assert genuine.stderr == ""


def test_session_urls_refuse_clients_without_shopifys_certificate(
    genuine: StandinRun, app: Path, spec: PluginSpec, tmp_path: Path
) -> None:
    _holds(genuine, "client_without_certificate_refused", "client_of_other_ca_refused")
    # The app told to trust the impostor's CA: the impostor's certificate gets in, and the check says so.
    weakened = run_standin(app, spec, tmp_path, _trust_the_impostor)
    assert weakened.checks["client_of_other_ca_refused"] is False
    assert weakened.code == 1


def test_a_provider_webhook_signed_with_another_secret_moves_nothing(
    genuine: StandinRun, app: Path, spec: PluginSpec, tmp_path: Path
) -> None:
    _holds(genuine, "forged_provider_webhook_refused", "stale_provider_webhook_refused")
    # The app holding the forger's secret: the forged event resolves the session, and the check says so.
    weakened = run_standin(
        app, spec, tmp_path, lambda env: {**env, "PROVIDER_WEBHOOK_SECRET": "whsec_not_the_provider"}
    )
    assert weakened.checks["forged_provider_webhook_refused"] is False


def test_a_compliance_webhook_with_a_forged_hmac_is_refused(
    genuine: StandinRun, app: Path, spec: PluginSpec, tmp_path: Path
) -> None:
    _holds(genuine, *FORGED_COMPLIANCE)
    weakened = run_standin(app, spec, tmp_path, lambda env: {**env, "SHOPIFY_API_SECRET": "not-the-secret"})
    assert [weakened.checks[name] for name in FORGED_COMPLIANCE] == [False, False, False]


def test_a_request_to_a_provider_outside_the_allowlist_never_leaves_the_app(
    genuine: StandinRun, app: Path, spec: PluginSpec, tmp_path: Path
) -> None:
    _holds(genuine, "outbound_request_outside_allowlist_fails")
    assert "connections to 127.0.0.2: 0" in genuine.details["outbound_request_outside_allowlist_fails"]
    # 127.0.0.2 allowed after all: the app connects to the stand-in's listener there, and the check says so.
    weakened = run_standin(
        app, spec, tmp_path, lambda env: {**env, "ALLOWED_HOSTS": env["ALLOWED_HOSTS"] + ",127.0.0.2"}
    )
    assert weakened.checks["outbound_request_outside_allowlist_fails"] is False


def test_a_test_session_never_reaches_the_live_provider(
    genuine: StandinRun, app: Path, spec: PluginSpec, tmp_path: Path
) -> None:
    _holds(genuine, "test_session_reaches_test_provider", "live_session_reaches_live_provider")

    # The app's test account made the live one (the live URL and key, as with one account for both modes): the
    # test payment is made at the live provider, and the check says so.
    def test_goes_live(env: dict[str, str]) -> dict[str, str]:
        live = {"PROVIDER_TEST_BASE_URL": env["PROVIDER_BASE_URL"], "PROVIDER_TEST_API_KEY": env["PROVIDER_API_KEY"]}
        return {**env, **live, "PROVIDER_API_KEY": "mk_live_unused"}

    weakened = run_standin(app, spec, tmp_path, test_goes_live)
    assert weakened.checks["test_session_reaches_test_provider"] is False
    assert "live mode at api.molam.com" in weakened.details["test_session_reaches_test_provider"]
    assert weakened.code == 1


def test_the_test_accounts_secret_cannot_settle_a_live_payment(
    genuine: StandinRun, app: Path, spec: PluginSpec, tmp_path: Path
) -> None:
    _holds(genuine, "test_secret_cannot_settle_live_payment", "live_provider_success_resolves_payment_session")

    # One webhook secret for both modes (the live account verifying with the test secret): the test-signed event
    # resolves the live payment, and the check says so.
    def one_secret(env: dict[str, str]) -> dict[str, str]:
        kept = {k: v for k, v in env.items() if not k.startswith("PROVIDER_TEST_")}
        return {**kept, "PROVIDER_WEBHOOK_SECRET": env["PROVIDER_TEST_WEBHOOK_SECRET"]}

    weakened = run_standin(app, spec, tmp_path, one_secret)
    assert weakened.checks["test_secret_cannot_settle_live_payment"] is False
