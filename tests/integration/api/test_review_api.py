"""What the ops UI reads: the approval queue, the evidence behind one package (with the diff to the previous published
version of its slug) and the statistics per step with the gauges."""

from __future__ import annotations

from uuid import UUID

from forge.models.job import RunStatus, Step
from forge.models.package import PackageStatus
from forge.models.spec import load_spec
from forge.packaging.archive import zip_tree
from forge.pipeline import artifacts_layout
from forge.pipeline.deps import PipelineDeps
from forge.pipeline.review import source_diff
from tests.integration.api.conftest import EXAMPLE, WorkflowSpy, api_deps, call, signed_package_awaiting

OLD_SOURCE = {"plugin.php": b"<?php\n// v1\necho 'a';\n", "readme.txt": b"same\n", "gone.php": b"<?php\n"}
NEW_SOURCE = {"plugin.php": b"<?php\n// v2\necho 'a';\n", "readme.txt": b"same\n", "new.php": b"<?php\n"}


def _store_source(deps: PipelineDeps, package_id: UUID, tree: dict[str, bytes]) -> UUID:
    job = deps.repos.package_views.job_for(package_id)
    assert job is not None
    deps.artifacts.put(artifacts_layout.source_zip(job["id"]), zip_tree(tree))
    return UUID(str(job["id"]))


def test_the_queue_lists_pending_requests_with_their_package_and_never_a_task_token(api: WorkflowSpy) -> None:
    request_id = signed_package_awaiting(api_deps(), requested_by="erin", token="secret-task-token")
    status, queue = call("GET", "/approvals")
    assert status == 200, queue
    assert [item["request"]["id"] for item in queue["items"]] == [str(request_id)]
    item = queue["items"][0]
    assert item["package"]["status"] == "awaiting_approval"
    assert item["request"]["requested_by"] == "erin"
    assert item["approvals"] == []
    assert "secret-task-token" not in str(queue)
    assert call("GET", "/approvals?status=approved")[1]["items"] == []
    assert call("GET", "/approvals?status=nonsense")[0] == 422


def test_review_shows_the_diff_against_the_previous_published_version(api: WorkflowSpy) -> None:
    deps = api_deps()
    old_request = signed_package_awaiting(deps, token="t-old")
    old_package = deps.repos.approvals.get_request(old_request).plugin_package_id
    _store_source(deps, old_package, OLD_SOURCE)
    deps.repos.packages.set_status(old_package, PackageStatus.PUBLISHED.value)
    new_request = signed_package_awaiting(deps, token="t-new")
    new_package = deps.repos.approvals.get_request(new_request).plugin_package_id
    job_id = _store_source(deps, new_package, NEW_SOURCE)
    runs = deps.repos.runs
    build, _ = runs.open(job_id, Step.BUILD, "t")
    runs.append_log(
        build.id,
        "lint ok\n$ forge scan plugin\nwarning net.x  plugin.php:2  odd\n"
        "0 error(s), 1 warning(s) in 1 file(s)\nall done\n",
    )
    runs.finish(build.id, RunStatus.SUCCESS, {"summary": "ok"})

    status, review = call("GET", f"/packages/{new_package}/review")
    assert status == 200, review
    diff = review["diff"]
    assert diff["base_package_id"] == str(old_package)
    changes = {f["path"]: f["change"] for f in diff["files"]}
    assert changes == {"plugin.php": "changed", "new.php": "added", "gone.php": "removed"}
    assert diff["unchanged"] == 1
    plugin = next(f for f in diff["files"] if f["path"] == "plugin.php")
    assert "-// v1" in plugin["diff"]
    assert "+// v2" in plugin["diff"]
    assert review["scan_findings"] == ["warning net.x  plugin.php:2  odd", "0 error(s), 1 warning(s) in 1 file(s)"]
    assert review["spec"]["slug"] == load_spec(EXAMPLE).slug
    assert review["signing_key"]["key_id"] == review["signature"]["signing_key_id"]
    assert review["signing_key"]["status"] == "active"
    assert [r["step"] for r in review["runs"]] == ["build"]
    assert review["approval_requests"][0]["id"] == str(new_request)

    # The first version of a slug has nothing to compare with: every file is new.
    status, first = call("GET", f"/packages/{old_package}/review")
    assert first["diff"]["base_package_id"] is None
    assert {f["change"] for f in first["diff"]["files"]} == {"added"}
    assert call("GET", "/packages/00000000-0000-0000-0000-000000000000/review")[0] == 404


def test_a_long_diff_is_cut_and_says_so() -> None:
    big = {"a.txt": "".join(f"{i}\n" for i in range(5000)).encode()}
    diff = source_diff(None, big, None)
    assert diff.truncated
    assert diff.files[0].note == "cut"
    binary = source_diff({"x.bin": b"\x00\x01"}, {"x.bin": b"\x00\x02"}, None)
    assert binary.files[0].diff == ""
    assert binary.files[0].note


def test_stats_give_success_rate_and_duration_per_step_and_the_gauges(api: WorkflowSpy) -> None:
    deps = api_deps()
    job, _ = deps.repos.jobs.create(load_spec(EXAMPLE), "carol", None)
    runs = deps.repos.runs
    for outcome in (RunStatus.FAILED, RunStatus.SUCCESS):
        run, _ = runs.open(job.id, Step.BUILD, f"t-{outcome}")
        runs.finish(run.id, outcome, {"summary": "x"}, error="boom" if outcome is RunStatus.FAILED else None)
    status, stats = call("GET", "/stats?days=1")
    assert status == 200, stats
    build = stats["steps"]["build"]
    assert (build["runs"], build["failed"], build["success_rate"]) == (2, 1, 0.5)
    assert build["avg_duration_ms"] is not None
    assert stats["gauges"] == {"jobs_queued": 1, "jobs_running": 0, "approvals_pending": 0}
