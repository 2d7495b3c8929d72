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

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import pytest

from forge.models.spec import PluginSpec
from tests.shopify_standin_runs import StandinRun, Weakening, built_app, demo_spec, run_standin

FORGED_COMPLIANCE = [
    "forged_compliance_webhook_refused:customers/data_request",
    "forged_compliance_webhook_refused:customers/redact",
    "forged_compliance_webhook_refused:shop/redact",
]


def _trust_the_impostor(env: dict[str, str]) -> dict[str, str]:
    """The app told to trust the impostor's CA."""
    return {**env, "SHOPIFY_CLIENT_CA_FILE": env["SHOPIFY_CLIENT_CA_FILE"].replace("shopify-ca", "impostor-ca")}


def _forgers_provider_secret(env: dict[str, str]) -> dict[str, str]:
    """The app holding the forger's provider webhook secret."""
    return {**env, "PROVIDER_WEBHOOK_SECRET": "whsec_not_the_provider"}


def _forgers_shopify_secret(env: dict[str, str]) -> dict[str, str]:
    """The app verifying Shopify's HMAC with the forger's secret."""
    return {**env, "SHOPIFY_API_SECRET": "not-the-secret"}


def _trap_allowed(env: dict[str, str]) -> dict[str, str]:
    """127.0.0.2 allowed after all."""
    return {**env, "ALLOWED_HOSTS": env["ALLOWED_HOSTS"] + ",127.0.0.2"}


def _test_goes_live(env: dict[str, str]) -> dict[str, str]:
    """The app's test account made the live one (the live URL and key, as with one account for both modes)."""
    live = {"PROVIDER_TEST_BASE_URL": env["PROVIDER_BASE_URL"], "PROVIDER_TEST_API_KEY": env["PROVIDER_API_KEY"]}
    return {**env, **live, "PROVIDER_API_KEY": "mk_live_unused"}


def _one_secret(env: dict[str, str]) -> dict[str, str]:
    """One webhook secret for both modes (the live account verifying with the test secret)."""
    kept = {k: v for k, v in env.items() if not k.startswith("PROVIDER_TEST_")}
    return {**kept, "PROVIDER_WEBHOOK_SECRET": env["PROVIDER_TEST_WEBHOOK_SECRET"]}


# The longest run first (the test mode made live waits out most deadlines), so the other five share the second worker.
WEAKENINGS: dict[str, Weakening] = {
    w.__name__: w
    for w in (
        _test_goes_live,
        _forgers_provider_secret,
        _forgers_shopify_secret,
        _trap_allowed,
        _trust_the_impostor,
        _one_secret,
    )
}


def _weakened_run(app: Path, spec: PluginSpec, work: Path, weakening: str) -> StandinRun:
    return run_standin(app, spec, work, WEAKENINGS[weakening])


@pytest.fixture(scope="module")
def spec() -> PluginSpec:
    return demo_spec()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, spec: PluginSpec) -> Path:
    return built_app(tmp_path_factory.mktemp("shopify-app"), spec)


@pytest.fixture(scope="module")
def genuine(app: Path, spec: PluginSpec, tmp_path_factory: pytest.TempPathFactory) -> StandinRun:
    return run_standin(app, spec, tmp_path_factory.mktemp("genuine"))


@pytest.fixture(scope="module")
def weakened(
    genuine: StandinRun, app: Path, spec: PluginSpec, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[StandinRun]]]:
    """Each weakened app's run of the stand-in, two at a time in child processes, started once the genuine run is
    over (alone, so its timing is the app's own): a weakened run spends most of its time waiting out the stand-in's
    10 s deadlines for mutations the weakened app never makes (about a minute for one), so two overlap on two cores.
    Each run is the same `run_standin` a test would call itself, in a process of its own (the weakening patches the
    stand-in module); a test reads its own run's result."""
    context = multiprocessing.get_context("spawn")  # not fork: the test process has threads
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        yield {
            name: pool.submit(_weakened_run, app, spec, tmp_path_factory.mktemp(name.strip("_")), name)
            for name in WEAKENINGS
        }


def _holds(run: StandinRun, *names: str) -> None:
    for name in names:
        assert run.checks.get(name) is True, f"{name}: {run.details.get(name)}\n{run.stderr}"


def test_the_generated_app_passes_every_check_of_the_standin(genuine: StandinRun) -> None:
    failed = {n: genuine.details[n] for n, ok in genuine.checks.items() if not ok}
    assert genuine.code == 0, failed
    assert failed == {}
    assert genuine.stderr == ""


def test_session_urls_refuse_clients_without_shopifys_certificate(
    genuine: StandinRun, weakened: dict[str, Future[StandinRun]]
) -> None:
    _holds(genuine, "client_without_certificate_refused", "client_of_other_ca_refused")
    # The app told to trust the impostor's CA: the impostor's certificate gets in, and the check says so.
    run = weakened["_trust_the_impostor"].result()
    assert run.checks["client_of_other_ca_refused"] is False
    assert run.code == 1


def test_a_provider_webhook_signed_with_another_secret_moves_nothing(
    genuine: StandinRun, weakened: dict[str, Future[StandinRun]]
) -> None:
    _holds(genuine, "forged_provider_webhook_refused", "stale_provider_webhook_refused")
    # The app holding the forger's secret: the forged event resolves the session, and the check says so.
    run = weakened["_forgers_provider_secret"].result()
    assert run.checks["forged_provider_webhook_refused"] is False


def test_a_compliance_webhook_with_a_forged_hmac_is_refused(
    genuine: StandinRun, weakened: dict[str, Future[StandinRun]]
) -> None:
    _holds(genuine, *FORGED_COMPLIANCE)
    run = weakened["_forgers_shopify_secret"].result()
    assert [run.checks[name] for name in FORGED_COMPLIANCE] == [False, False, False]


def test_a_request_to_a_provider_outside_the_allowlist_never_leaves_the_app(
    genuine: StandinRun, weakened: dict[str, Future[StandinRun]]
) -> None:
    _holds(genuine, "outbound_request_outside_allowlist_fails")
    assert "connections to 127.0.0.2: 0" in genuine.details["outbound_request_outside_allowlist_fails"]
    # 127.0.0.2 allowed after all: the app connects to the stand-in's listener there, and the check says so.
    run = weakened["_trap_allowed"].result()
    assert run.checks["outbound_request_outside_allowlist_fails"] is False


def test_a_test_session_never_reaches_the_live_provider(
    genuine: StandinRun, weakened: dict[str, Future[StandinRun]]
) -> None:
    _holds(genuine, "test_session_reaches_test_provider", "live_session_reaches_live_provider")
    # The app's test account made the live one: the test payment is made at the live provider, and the check says so.
    run = weakened["_test_goes_live"].result()
    assert run.checks["test_session_reaches_test_provider"] is False
    assert "live mode at api.molam.com" in run.details["test_session_reaches_test_provider"]
    assert run.code == 1


def test_the_test_accounts_secret_cannot_settle_a_live_payment(
    genuine: StandinRun, weakened: dict[str, Future[StandinRun]]
) -> None:
    _holds(genuine, "test_secret_cannot_settle_live_payment", "live_provider_success_resolves_payment_session")
    # One webhook secret for both modes (the live account verifying with the test secret): the test-signed event
    # resolves the live payment, and the check says so.
    run = weakened["_one_secret"].result()
    assert run.checks["test_secret_cannot_settle_live_payment"] is False
