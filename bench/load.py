"""Load and races on one local runtime (its own process, its own embedded Postgres), issue 19:

- N jobs (20) submitted at once: all must publish. Reports the wall time from the first submit to the last
  publication against the floor, the CPU time the work of N jobs needs (one job's work done bare, as
  bench/pipeline.py's baseline does it, times N) divided by the cores; the peak memory (RSS) of the runtime
  with its children, and of Postgres; and the most container steps seen running at once, which
  FORGE_WORKER_CONCURRENCY bounds.
- 100 concurrent identical POST /jobs with one Idempotency-Key: exactly one job.
- 20 approvers approving one request at once: exactly one workflow release.

    .venv/bin/python bench/load.py [--jobs 20] [--posts 100] [--approvers 20]

Writes bench/results/load.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pipeline import bare_job  # noqa: E402 - after the repository root is on sys.path
from tests.chaos.harness import EXAMPLE, JOB_HANG, Lab, new_lab  # noqa: E402
from tests.waiting import wait_until  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SAMPLE_SECONDS = 0.2


class Sampler:
    """Samples, until stopped: the RSS of the runtime process tree and of the Postgres processes, and how many
    sandboxes (outermost bwrap processes) run at once."""

    def __init__(self, runtime_pid: int, data_dir: Path) -> None:
        self.runtime = psutil.Process(runtime_pid)
        # This lab's own Postgres (its postmaster runs with -D <data_dir>), not any other on the machine.
        self.data_dir = str(data_dir)
        self.postmaster: psutil.Process | None = None
        self.peak_runtime_rss = 0
        self.peak_postgres_rss = 0
        self.peak_sandboxes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            try:
                self._sample()
            except psutil.Error:
                continue

    def _sample(self) -> None:
        tree = [self.runtime, *self.runtime.children(recursive=True)]
        self.peak_runtime_rss = max(self.peak_runtime_rss, sum(_rss(p) for p in tree))
        # The runtime launches each container step's bubblewrap itself: its direct bwrap children are the sandboxes
        # (each has a second bwrap inside, the namespace's first process, whose parent is the outer one).
        sandboxes = [p for p in tree if _name(p) == "bwrap" and _ppid(p) == self.runtime.pid]
        self.peak_sandboxes = max(self.peak_sandboxes, len(sandboxes))
        if self.postmaster is None:
            self.postmaster = next(
                (p for p in psutil.process_iter(["name", "cmdline"]) if self.data_dir in (p.info["cmdline"] or [])),
                None,
            )
        if self.postmaster is not None:
            postgres = [self.postmaster, *self.postmaster.children(recursive=True)]
            self.peak_postgres_rss = max(self.peak_postgres_rss, sum(_rss(p) for p in postgres))


def _rss(process: psutil.Process) -> int:
    try:
        return int(process.memory_info().rss)
    except psutil.Error:
        return 0


def _name(process: psutil.Process | None) -> str:
    try:
        return process.name() if process is not None else ""
    except psutil.Error:
        return ""


def _ppid(process: psutil.Process) -> int:
    try:
        return int(process.ppid())
    except psutil.Error:
        return -1


def _cpu_seconds() -> float:
    """User and system time of this process and of every child it (or they) waited for."""
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def work_cpu_seconds() -> float:
    """CPU time of one job's work done bare (the tools, the analyser, the contract suites, the site runs:
    bench.pipeline.bare_job): the work no overhead can remove. Measured on a second run, so that the first one's
    imports of the forge's modules are not counted as work."""
    bare_job(EXAMPLE)
    before = _cpu_seconds()
    bare_job(EXAMPLE)
    return _cpu_seconds() - before


def many_jobs(lab: Lab, jobs: int) -> dict[str, Any]:
    if lab.runtime is None or lab.runtime.proc is None:
        raise SystemExit("the runtime is not running")
    started = time.monotonic()
    with Sampler(lab.runtime.proc.pid, lab.root / "pgdata") as sampler:
        with ThreadPoolExecutor(jobs) as pool:
            ids = list(pool.map(lambda _i: lab.submit(), range(jobs)))
            # Each job has approvers of its own (Lab.approvers_of): one approver's MFA code passes once per 30 s window.
            finals = list(pool.map(lab.finish, ids))
        wall = time.monotonic() - started
    statuses = [f["job"]["status"] for f in finals]
    left_running = sum(len(lab.running_runs(i)) for i in ids)
    return {
        "jobs": jobs,
        "published": statuses.count("success"),
        "not_published": [
            f"{f['job']['id']}: {f['job']['status']}: {f['job']['error']}"
            for f in finals
            if f["job"]["status"] != "success"
        ],
        "runs_left_running": left_running,
        "wall_s": round(wall, 1),
        "peak_runtime_rss_mb": round(sampler.peak_runtime_rss / 2**20),
        "peak_postgres_rss_mb": round(sampler.peak_postgres_rss / 2**20),
        "peak_sandboxes_at_once": sampler.peak_sandboxes,
    }


def idempotent_posts(lab: Lab, posts: int) -> dict[str, Any]:
    from forge.cli.client import spec_payload

    payload = spec_payload(EXAMPLE)
    client = lab.client("idem-ops")
    key = f"bench-{time.time_ns()}"
    barrier = threading.Barrier(posts)

    def post(_i: int) -> str:
        barrier.wait()
        return str(client.__class__(lab.runtime.url, user="idem-ops").submit(payload, idempotency_key=key)["id"])

    with ThreadPoolExecutor(posts) as pool:
        ids = list(pool.map(post, range(posts)))
    jobs = lab.client("idem-ops").jobs(requested_by="idem-ops", limit=100)["items"]
    for job_id in set(ids):
        lab.finish(job_id)
    return {"posts": posts, "distinct_jobs_answered": len(set(ids)), "jobs_created": len(jobs)}


def concurrent_approvals(lab: Lab, approvers: int) -> dict[str, Any]:
    job_id = lab.submit()
    detail = lab.wait_status(job_id, ("awaiting_approval",))
    request = detail["approval_request"]["id"]
    names = [f"approver{i:02d}" for i in range(approvers)]
    clients = [lab.client(n) for n in names]
    barrier = threading.Barrier(approvers)

    def approve(i: int) -> bool:
        barrier.wait()
        try:
            return bool(clients[i].decide(request, True).get("released"))
        except Exception:  # noqa: BLE001 - an approval refused once the request closed is the expected loser
            return False

    with ThreadPoolExecutor(approvers) as pool:
        released = list(pool.map(approve, range(approvers)))
    final = wait_until(
        lambda: lab.job(job_id),
        lambda d: d["job"]["status"] in ("success", "failed"),
        timeout=JOB_HANG,
        what="the approved job ends",
    )
    return {
        "approvers": approvers,
        "releases": released.count(True),
        "job": final["job"]["status"],
        "publish_runs": sum(1 for r in final["runs"] if r["step"] == "publish"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--approvers", type=int, default=20)
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    cpu_per_job = work_cpu_seconds()
    lab = new_lab(artifacts_on_tmpfs=False)
    lab.start()
    try:
        concurrency = int(lab.runtime.env.get("FORGE_WORKER_CONCURRENCY", "3"))  # the Settings default
        load = many_jobs(lab, args.jobs)
        idem = idempotent_posts(lab, args.posts)
        approvals = concurrent_approvals(lab, args.approvers)
    finally:
        lab.stop()
    floor = cpu_per_job * args.jobs / cores
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{cores} cpus, python {platform.python_version()}",
        "load": {
            **load,
            "work_cpu_s_per_job": round(cpu_per_job, 2),
            "floor_s": round(floor, 1),
            "wall_over_floor": round(load["wall_s"] / floor, 2),
            "worker_concurrency": concurrency,
        },
        "idempotency": idem,
        "approvals": approvals,
    }
    held = (
        load["published"] == args.jobs
        and load["runs_left_running"] == 0
        and load["peak_sandboxes_at_once"] <= concurrency
        and idem["distinct_jobs_answered"] == 1
        and idem["jobs_created"] == 1
        and approvals["releases"] == 1
        and approvals["job"] == "success"
    )
    report["held"] = held
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0 if held else 1


if __name__ == "__main__":
    raise SystemExit(main())
