"""Jobs and packages through the API: idempotent submission under 100 concurrent requests, filters and
keyset pagination, package detail with everything recorded against it, stats."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from forge.models.results import CompatibilityRow, TestRow
from forge.models.spec import load_spec
from forge.pipeline import jobs as job_service
from tests.integration.api.conftest import EXAMPLE, WorkflowSpy, api_deps, call, signed_package_awaiting


def spec_body() -> dict:
    return {"spec": load_spec(EXAMPLE).model_dump(mode="json")}


def test_same_idempotency_key_same_job_and_100_concurrent_submissions_create_one(api: WorkflowSpy) -> None:
    status, first = call("POST", "/jobs", spec_body(), headers={"Idempotency-Key": "k-1"})
    assert status == 201
    status, again = call("POST", "/jobs", {**spec_body(), "idempotency_key": "k-1"})
    assert status == 200
    assert again["id"] == first["id"]

    # 100 submissions racing in Postgres, as 100 Lambda containers would (one request each).
    deps = api_deps()
    spec = load_spec(EXAMPLE)
    with ThreadPoolExecutor(100) as pool:
        results = list(pool.map(lambda _: job_service.submit(deps, spec, "carol", "k-race"), range(100)))
    assert len({job.id for job, _ in results}) == 1
    assert sum(1 for _, created in results if created) == 1
    assert (
        deps.repos.jobs.db.fetchone("SELECT count(*) AS n FROM forge_jobs WHERE idempotency_key = 'k-race'")["n"] == 1
    )
    assert api.started.count(str(results[0][0].id)) == 1


def test_idempotency_key_is_scoped_to_its_requester_and_bound_to_its_spec(api: WorkflowSpy) -> None:
    status, mine = call("POST", "/jobs", spec_body(), user="carol", headers={"Idempotency-Key": "k-shared"})
    assert status == 201
    other_spec = {"spec": {**spec_body()["spec"], "version": "2.0.0"}}
    # Another requester's key is another request: dan gets his own job for his own spec.
    status, his = call("POST", "/jobs", other_spec, user="dan", headers={"Idempotency-Key": "k-shared"})
    assert status == 201
    assert his["id"] != mine["id"]
    assert his["requested_by"] == "dan"
    assert his["version"] == "2.0.0"
    # The same requester reusing the key for a different spec is told so, not handed the earlier job.
    status, refused = call("POST", "/jobs", other_spec, user="carol", headers={"Idempotency-Key": "k-shared"})
    assert status == 409
    assert "k-shared" in refused["message"]
    assert mine["id"] in refused["message"]
    # Same requester, same key, same spec: the same job, as before.
    status, again = call("POST", "/jobs", spec_body(), user="carol", headers={"Idempotency-Key": "k-shared"})
    assert status == 200
    assert again["id"] == mine["id"]
    deps = api_deps()
    rows = deps.repos.jobs.db.fetchall(
        "SELECT requested_by, spec_digest FROM forge_jobs WHERE idempotency_key = 'k-shared' ORDER BY requested_by"
    )
    spec = load_spec(EXAMPLE)
    assert rows == [
        {"requested_by": "carol", "spec_digest": spec.digest()},
        {"requested_by": "dan", "spec_digest": spec.model_copy(update={"version": "2.0.0"}).digest()},
    ]
    assert api.started.count(mine["id"]) == 1


def test_a_job_from_before_migration_006_still_matches_its_spec(api: WorkflowSpy) -> None:
    _, first = call("POST", "/jobs", spec_body(), headers={"Idempotency-Key": "k-legacy"})
    deps = api_deps()
    deps.repos.jobs.db.execute("UPDATE forge_jobs SET spec_digest = NULL WHERE id = %s", (first["id"],))
    assert call("POST", "/jobs", spec_body(), headers={"Idempotency-Key": "k-legacy"})[0] == 200
    other_spec = {"spec": {**spec_body()["spec"], "version": "2.0.0"}}
    assert call("POST", "/jobs", other_spec, headers={"Idempotency-Key": "k-legacy"})[0] == 409


def test_job_filters_and_keyset_pagination(api: WorkflowSpy) -> None:
    for i in range(5):
        call("POST", "/jobs", spec_body(), user="carol" if i % 2 else "dan")
    status, page = call("GET", "/jobs?limit=2")
    assert status == 200
    assert len(page["items"]) == 2
    assert page["next_cursor"]
    seen = [j["id"] for j in page["items"]]
    while page["next_cursor"]:
        page = call("GET", f"/jobs?limit=2&cursor={page['next_cursor']}")[1]
        seen += [j["id"] for j in page["items"]]
    assert len(seen) == len(set(seen)) == 5
    created = [j["created_at"] for j in call("GET", "/jobs?limit=50")[1]["items"]]
    assert created == sorted(created, reverse=True)
    dan = call("GET", "/jobs?requested_by=dan")[1]["items"]
    assert len(dan) == 3
    assert {j["requested_by"] for j in dan} == {"dan"}
    assert len(call("GET", "/jobs?status=running&cms=woocommerce")[1]["items"]) == 5
    assert call("GET", "/jobs?cms=shopify")[1]["items"] == []
    assert call("GET", "/jobs?status=exploded")[0] == 422
    detail = call("GET", f"/jobs/{seen[0]}")[1]
    assert detail["job"]["id"] == seen[0]
    assert detail["runs"] == []
    # The list reads three fields of the spec in the database; it shows the job as its detail does.
    listed = next(j for j in call("GET", "/jobs?limit=50")[1]["items"] if j["id"] == seen[0])
    assert listed == detail["job"]
    assert (listed["name"], listed["slug"], listed["version"]) == tuple(
        spec_body()["spec"][k] for k in ("name", "slug", "version")
    )
    stats = call("GET", "/stats?days=7")[1]
    assert stats["days"] == 7
    assert stats["total"] == 5
    assert stats["running"] == 5
    assert call("GET", "/stats?days=0")[0] == 422


def test_packages_list_and_detail(api: WorkflowSpy) -> None:
    deps = api_deps()
    request_id = signed_package_awaiting(deps)
    package_id = deps.repos.approvals.get_request(request_id).plugin_package_id
    job = deps.repos.package_views.job_for(package_id)
    assert job is not None
    deps.repos.packages.record_test_results(
        package_id, job["id"], [TestRow(suite="unit", name="gateway registers", result="pass")]
    )
    deps.repos.packages.record_compatibility(
        package_id,
        CompatibilityRow(
            cms="woocommerce", cms_version="8.9", php_version="8.2", passed=True, details={"phpunit": "ok"}
        ),
    )
    call("POST", "/jobs", spec_body())

    status, page = call("GET", "/packages?status=awaiting_approval&cms=woocommerce")
    assert status == 200
    assert [p["id"] for p in page["items"]] == [str(package_id)]
    assert len(call("GET", "/packages?limit=1")[1]["items"]) == 1
    assert call("GET", "/packages?limit=1")[1]["next_cursor"]
    assert call("GET", "/packages?cms=joomla")[0] == 422

    status, detail = call("GET", f"/packages/{package_id}")
    assert status == 200
    assert detail["package"]["status"] == "awaiting_approval"
    assert detail["signature"]["signing_key_id"] == deps.repos.keys.active().key_id  # type: ignore[union-attr]
    assert detail["contract_tests"][0]["test_name"] == "gateway registers"
    assert detail["compatibility"][0]["test_result"] == "pass"
    assert [r["id"] for r in detail["approval_requests"]] == [str(request_id)]
    assert detail["approvals"] == []
    assert detail["publications"] == []
    assert call("GET", "/packages/00000000-0000-4000-8000-000000000000")[0] == 404
    assert call("GET", "/packages/nope")[0] == 422


def test_logs_tail_with_a_cursor_and_cancel_retry_conflicts(api: WorkflowSpy) -> None:
    from forge.models.job import Step

    deps = api_deps()
    status, job = call("POST", "/jobs", spec_body())
    assert status == 201
    run, _ = deps.repos.runs.open(job["id"], Step.GENERATE, "exec:0")
    deps.repos.runs.append_log(run.id, "first line")
    status, logs = call("GET", f"/jobs/{job['id']}/logs")
    assert status == 200
    assert logs["runs"][0]["text"] == "first line\n"
    deps.repos.runs.append_log(run.id, "second line")
    tail = call("GET", f"/jobs/{job['id']}/logs?since={logs['cursor']}")[1]
    assert tail["runs"][0]["text"] == "second line\n"
    assert call("GET", f"/jobs/{job['id']}/logs?since=garbage!")[0] == 400

    assert call("POST", f"/jobs/{job['id']}/retry")[0] == 409  # only failed jobs
    status, cancelled = call("POST", f"/jobs/{job['id']}/cancel")
    assert status == 200
    assert cancelled["status"] == "cancelled"
    status, again = call("POST", f"/jobs/{job['id']}/cancel")
    assert status == 409
    assert "already finished" in again["message"]
