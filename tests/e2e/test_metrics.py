"""GET /metrics on the runtime's port: the specification's families in the Prometheus text format, fed by the same
emit_metric calls that write EMF, checked family by family after a demo job (submitted, approved, published)."""

from __future__ import annotations

import os

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from forge.cli.client import ForgeClient, spec_payload
from forge.config import get_settings
from forge.local.runtime import LocalRuntime
from forge.pipeline.gauges import emit_gauges
from forge.wiring import default_deps
from tests.e2e.conftest import EXAMPLE, client_for, wait_for

pytestmark = pytest.mark.e2e
# The approval step's time is forge_approval_seconds: its run is closed by the decision, not by run_step.
STEPS = ("generate", "build", "test", "sandbox", "package", "sign", "publish")


def scrape(runtime: LocalRuntime, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{runtime.api_url}/metrics", headers=headers, timeout=30)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


@pytest.fixture(scope="module")
def published(runtime: LocalRuntime) -> dict:
    ops = client_for(runtime, "erin")
    job = ops.submit(spec_payload(EXAMPLE))
    detail = wait_for(ops, job["id"], ("awaiting_approval", "failed", "cancelled"))
    assert detail["job"]["status"] == "awaiting_approval", detail["job"]["error"]
    for approver in ("alice", "bob"):
        client_for(runtime, approver).decide(detail["approval_request"]["id"], True, "metrics")
    detail = wait_for(ops, job["id"], ("success", "failed"))
    assert detail["job"]["status"] == "success", detail["job"]["error"]
    emit_gauges(default_deps())  # the ticker's reading, now rather than at its next minute
    return detail


def test_every_family_counts_the_demo_job(runtime: LocalRuntime, published: dict) -> None:
    response = scrape(runtime, ForgeClient(runtime.api_url, user="prometheus").token)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    got = samples(response.text)
    assert got[("forge_jobs_total", (("status", "success"),))] == 1
    assert got[("forge_jobs_submitted_total", (("cms", "woocommerce"),))] == 1
    assert got[("forge_packages_total", (("cms", "woocommerce"),))] == 1
    assert got[("forge_jobs_duration_seconds_count", ())] == 1
    job = published["job"]
    assert got[("forge_jobs_duration_seconds_sum", ())] > 0
    assert got[("forge_approval_seconds_count", ())] == 1
    for step in STEPS:
        assert got[("forge_step_duration_seconds_count", (("step", step),))] == 1, step
    assert ("forge_step_failures_total", (("step", "build"),)) not in got
    # Declared before they happen: a scrape shows them at zero.
    assert got[("forge_signing_failures_total", ())] == 0
    assert got[("forge_packages_revoked_total", ())] == 0
    # The gauges: the job is finished, nothing waits.
    assert got[("forge_jobs_queued", ())] == 0
    assert got[("forge_jobs_running", ())] == 0
    assert got[("forge_approvals_pending", ())] == 0
    assert job["status"] == "success"


def test_metrics_answer_only_the_runtimes_token_holders_and_hold_no_secret(
    runtime: LocalRuntime, published: dict
) -> None:
    assert scrape(runtime, None).status_code == 401
    assert scrape(runtime, "not-a-token").status_code == 401
    token = ForgeClient(runtime.api_url, user="prometheus").token
    text = scrape(runtime, token).text
    secrets = [token, os.environ.get("FORGE_PKCS11_PIN") or "", get_settings().database_url or ""]
    creds = runtime.emulator_credentials
    secrets += [creds.secret_key, creds.access_key] if creds else []
    for secret in filter(None, secrets):
        assert secret not in text
    # Labels hold the forge's vocabulary only: statuses, steps, platforms, backends; never a user or an id.
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            assert set(sample.labels) <= {"status", "step", "cms", "backend", "le"}, sample
            assert "erin" not in sample.labels.values()
            assert str(published["job"]["id"]) not in sample.labels.values()
