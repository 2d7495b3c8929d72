"""The repair loop end to end: a fake OpenAI-compatible model on loopback (the only stand-in) whose first
plugin has a bug PHPUnit catches; the real state machine sends the failure back to Generate, the second
plugin passes, and the job reaches the approval wait. Everything else is the real local runtime."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from forge.cli.client import spec_payload
from forge.cms.woocommerce.generation_brief import FORGE_OWNED
from forge.config import get_settings
from forge.db.connection import Database
from forge.db.repositories.audit import AuditRepository
from forge.generation.template_provider import TemplateProvider
from forge.local.runtime import LocalRuntime
from forge.models.spec import load_spec
from tests.e2e.conftest import EXAMPLE, client_for, entered_states, local_runtime, wait_for
from tests.integration.generation.fake_openai import FakeOpenAI, Reply, completion, files_reply
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

API_FILE = "includes/class-molam-pay-for-woocommerce-api.php"
EXPONENT_LINE = b"return (int) round( (float) $amount * ( 10 ** self::exponent( $currency ) ) );"


def good_plugin() -> dict[str, bytes]:
    tree = dict(TemplateProvider().generate(load_spec(EXAMPLE)).tree)
    for path in FORGE_OWNED:
        del tree[path]
    return tree


def buggy_plugin() -> dict[str, bytes]:
    """Lints and builds, but sends amounts in cents whatever the currency: XOF orders come out 100x too big."""
    tree = good_plugin()
    assert EXPONENT_LINE in tree[API_FILE]
    tree[API_FILE] = tree[API_FILE].replace(EXPONENT_LINE, b"return (int) round( (float) $amount * 100 );")
    return tree


def unsafe_answer(_: dict[str, Any]) -> tuple[int, Any]:
    return 200, completion('{"files": [{"path": "../../wp-config.php", "content": "<?php"}]}')


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI([]) as fake:
        yield fake


@pytest.fixture(scope="module")
def runtime(
    tmp_path_factory: pytest.TempPathFactory,
    module_database: Callable[[], str],
    softhsm_token: dict[str, str],
    model: FakeOpenAI,
) -> Iterator[LocalRuntime]:
    env = {"FORGE_GENERATION_PROVIDER": "openai", "SIRA_API_URL": model.url, "SIRA_API_KEY": "sk-e2e"}
    with local_runtime(
        tmp_path_factory.mktemp("forge-home"), module_database(), **softhsm_token, FORGE_MAX_REPAIRS="2", **env
    ) as rt:
        yield rt


def wait_for_states(execution_arn: str, last: str) -> list[str]:
    return wait_until(lambda: entered_states(execution_arn), lambda states: states[-1:] == [last], what=last)


def serve(model: FakeOpenAI, *replies: Reply) -> None:
    model.replies[:] = list(replies)
    model.requests.clear()


def audit_rows(job_id: str) -> list[dict[str, Any]]:
    db = Database(get_settings().database_url or "")
    try:
        return db.fetchall("SELECT * FROM sira_generation_audit WHERE job_id = %s ORDER BY id", (job_id,))
    finally:
        db.close()


def test_a_failed_test_goes_back_to_the_model_and_the_fix_reaches_approval(
    runtime: LocalRuntime, model: FakeOpenAI
) -> None:
    serve(model, files_reply(buggy_plugin()), files_reply(good_plugin(), model="fake-coder-2"))
    ops = client_for(runtime, "erin")
    job = ops.submit(spec_payload(EXAMPLE))
    detail = wait_for(ops, job["id"], ("awaiting_approval", "failed", "success"), timeout=300)
    assert detail["job"]["status"] == "awaiting_approval", detail["runs"]

    steps = [(r["step"], r["status"]) for r in detail["runs"]]
    assert steps[:6] == [
        ("generate", "success"),
        ("build", "success"),
        ("test", "failed"),
        ("generate", "success"),
        ("build", "success"),
        ("test", "success"),
    ]
    assert [s for s, _ in steps[6:]] == ["sandbox", "package", "sign", "approval"]
    failed_test = detail["runs"][2]
    assert "tests failed" in failed_test["error"]

    states = entered_states(detail["job"]["execution_arn"])
    assert states.count("Generate") == 2
    assert states.count("CountRepair") == 1
    assert states[states.index("Test") + 1 : states.index("Test") + 4] == ["RepairOrFail", "CountRepair", "Generate"]

    # The second request carried the PHPUnit failure and the buggy files back to the model.
    assert len(model.requests) == 2
    first, second = (r["messages"][1]["content"] for r in model.requests)
    assert "Repair attempt" not in first
    assert "Repair attempt 1" in second
    assert "failed the test step" in second
    assert "FAILURES!" in second
    assert "amount_mismatch" in second
    assert "$amount * 100 );" in second
    assert model.headers[0]["Authorization"] == "Bearer sk-e2e"

    rows = audit_rows(job["id"])
    assert [r["model_version"] for r in rows] == ["fake-coder-1", "fake-coder-2"]
    assert [r["metadata"]["attempt"] for r in rows] == [0, 1]
    assert all(r["provider"] == "openai" for r in rows)
    db = Database(get_settings().database_url or "")
    try:
        assert AuditRepository(db).verify().ok
    finally:
        db.close()


def test_repairs_stop_after_forge_max_repairs(runtime: LocalRuntime, model: FakeOpenAI) -> None:
    serve(model, unsafe_answer, unsafe_answer, unsafe_answer, unsafe_answer)
    ops = client_for(runtime, "erin")
    job = ops.submit(spec_payload(EXAMPLE))
    detail = wait_for(ops, job["id"], ("awaiting_approval", "failed", "success"), timeout=120)
    assert detail["job"]["status"] == "failed"
    # One attempt plus FORGE_MAX_REPAIRS=2 repairs, each refused before anything was written or run.
    assert [(r["step"], r["status"]) for r in detail["runs"]] == [("generate", "failed")] * 3
    assert "'..' is not allowed" in detail["runs"][-1]["error"]
    assert len(model.requests) == 3
    assert len(model.replies) == 1
    states = wait_for_states(detail["job"]["execution_arn"], "JobFailed")
    assert states.count("CountRepair") == 2
    assert states[-3:] == ["RepairOrFail", "RecordFailure", "JobFailed"]
    assert len(audit_rows(job["id"])) == 3
