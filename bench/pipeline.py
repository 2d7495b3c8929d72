"""Pipeline overhead benchmark.

Runs N end-to-end jobs of a spec on the local runtime (real Postgres, php, phpunit, bubblewrap, SoftHSM2,
moto's Step Functions engine) and reports the median wall time per job with the approval wait excluded
(created -> awaiting approval, plus approval released -> published, from the forge's own rows). After each job it
does the work of one such job directly, with no forge, no bubblewrap and no workflow around it: the tool invocations
(every `php -l`, `composer validate`, `phpunit`, the sandbox `php`), the static analyser the Build step runs (phpcs
among its rules), the Test step's contract suites and the Sandbox step's real-platform runs; and prints the ratio.

    .venv/bin/python bench/pipeline.py [--jobs N] [--spec examples/woocommerce.yaml] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.25


@dataclass(frozen=True)
class Bare:
    """One job's work done directly, in seconds, by part."""

    tools: float  # every command of the platform's build, its test command, the sandbox's plain load
    analyser: float  # the Build step's static analyser (phpcs among its rules), called in this process
    contract_suites: float  # the Test step's contract suites
    site_runs: float  # the Sandbox step's real-platform runs
    invocations: int

    @property
    def total(self) -> float:
        return self.tools + self.analyser + self.contract_suites + self.site_runs


def bare_job(spec_path: Path) -> Bare:
    """The work one job does, done directly on a generated tree: no forge, no bubblewrap, no workflow around it."""
    from forge.cms import get_platform
    from forge.config import get_settings
    from forge.gates import scan
    from forge.generation.template_provider import TemplateProvider
    from forge.models.spec import load_spec
    from forge.packaging.archive import write_tree

    spec = load_spec(spec_path)
    platform = get_platform(spec.platform)
    tree = dict(TemplateProvider().generate(spec).tree)
    # In memory, as the sandbox's /sandbox is (a tmpfs): on disk, the WordPress sites' SQLite writes wait for fsync
    # and the bare runs took longer than the forge's own (ratio 0.83 when measured so).
    with tempfile.TemporaryDirectory(dir="/dev/shm") as tmp:
        work = Path(tmp)
        write_tree(tree, work / "plugin")
        write_tree(dict(platform.sandbox_files()), work)
        php_files = sorted(p for p in tree if p.endswith(".php"))
        commands = [(c.argv, work / "plugin") for c in platform.build_commands(php_files)]
        commands.append((platform.test_command(str(work / "junit.xml")).argv, work / "plugin"))
        commands.append((platform.sandbox_command(spec).argv, work))
        env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "COMPOSER_HOME": str(work / ".composer")}
        started = time.perf_counter()
        for argv, cwd in commands:
            done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True)  # noqa: S603 - the platform's build commands, as the Build step runs them
            if done.returncode != 0:
                raise SystemExit(f"bare tool failed: {' '.join(argv)}\n{done.stdout.decode()}{done.stderr.decode()}")
        tools = time.perf_counter() - started
        started = time.perf_counter()
        report = scan(
            work / "plugin",
            get_settings().allowed_hosts,
            exclude=platform.dist_exclude,
            platform_rules=platform.analyser_rules,
        )
        analyser = time.perf_counter() - started
        if not report.ok:
            raise SystemExit(f"bare analyser blocked the plugin: {report.summary()}")
        contracts, site_runs = bare_isolated_parts(spec_path, work)
        return Bare(tools, analyser, contracts, site_runs, len(commands))


def bare_isolated_parts(spec_path: Path, work: Path) -> tuple[float, float]:
    """The Test step's contract suites and the Sandbox step's real-platform runs (WooCommerce: a fresh WordPress per
    version of the spec's range, the same PHP driver phases install -> uninstall), called directly: no bubblewrap, no
    container, no workflow. They run in a child process in a network namespace of its own (loopback only), as the
    sandbox does: with the network there, the plugin's outbound probes would wait for their timeouts, which the
    sandbox never does."""
    done = subprocess.run(  # noqa: S603 - unshare, sh and this interpreter, fixed arguments
        [  # noqa: S607 - unshare and sh from PATH, as the platform's own commands are
            "unshare",
            "--net",
            "--",
            "sh",
            "-c",
            'ip link set lo up && exec "$0" "$@"',
            sys.executable,
            __file__,
            "--bare-isolated",
            str(spec_path),
            str(work),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"bare contract suites or site runs failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    contracts, site_runs = json.loads(done.stdout.strip().splitlines()[-1])
    return float(contracts), float(site_runs)


def _contract_suites_here(spec_path: Path, work: Path) -> float:
    """In the child of bare_isolated_parts: the platform's contract suites on a copy of the plugin."""
    from forge.cms import get_platform
    from forge.config import get_settings
    from forge.isolation.runner import SubprocessRunner, step_limits
    from forge.models.spec import load_spec

    spec = load_spec(spec_path)
    platform = get_platform(spec.platform)
    if platform.contract_suites is None:
        return 0.0
    folder = work / "contracts"
    folder.mkdir()
    shutil.copytree(work / "plugin", folder / "plugin")
    started = time.perf_counter()
    outcome = platform.contract_suites(
        spec, folder, SubprocessRunner(), step_limits(get_settings()), sorted(get_settings().allowed_hosts)
    )
    failed = [row.name for row in outcome.rows if row.result == "fail"]
    if failed:
        raise SystemExit(f"bare contract suites failed: {failed}")
    return time.perf_counter() - started


def _site_runs_here(spec_path: Path, work: Path) -> float:
    """In the child of bare_isolated_parts: stage the builds, run the platform's site runs, return their wall time."""
    from forge.cms import get_platform
    from forge.config import get_settings
    from forge.isolation.runner import step_limits
    from forge.models.spec import load_spec

    spec = load_spec(spec_path)
    platform = get_platform(spec.platform)
    if platform.stage_platform is None or platform.run_platform is None:
        return 0.0
    staged = work / "staged"
    staged.mkdir()
    started = time.perf_counter()
    site = platform.stage_platform(spec, staged)
    if site.get("error"):
        raise SystemExit(f"bare site run: {site['error']}")
    runs = platform.run_platform(spec, staged, work, site, step_limits(get_settings()))
    failed = [(run.cms_version, name) for run in runs for name, ok, _ in run.checks if not ok]
    if failed:
        raise SystemExit(f"bare site run failed: {failed}")
    return time.perf_counter() - started


def run_jobs(spec_path: Path, jobs: int) -> tuple[list[dict[str, float]], list[Bare]]:
    """Each job, then the same work bare, in turn: the machine is shared, and a load that changes between a block of
    jobs and a block of bare runs would show up as a ratio (measured so: 0.88 with the load rising from 3.6 to 6.7)."""
    from forge.cli.client import ForgeClient, spec_payload
    from forge.local.runtime import LocalRuntime

    payload = spec_payload(spec_path)
    results, bare = [], []
    with LocalRuntime(port=0) as runtime:
        ops = ForgeClient(runtime.api_url, user="bench-ops")
        for n in range(1, jobs + 1):
            # Approvers of each job's own: one approver's MFA code passes once per 30 s window, and the same two
            # approving every job made the benchmark wait out that window each time (not counted, but slow).
            approvers = [ForgeClient(runtime.api_url, user=f"bench-{u}-{n}") for u in ("alice", "bob")]
            t0 = time.perf_counter()
            job_id = ops.submit(payload)["id"]
            detail = wait(ops, job_id, ("awaiting_approval",))
            t1 = time.perf_counter()
            for approver in approvers:
                approver.decide(detail["approval_request"]["id"], True, "bench")
            t2 = time.perf_counter()
            detail = wait(ops, job_id, ("success",))
            t3 = time.perf_counter()
            steps = {r["step"]: r["duration_ms"] / 1000 for r in detail["runs"] if r["step"] != "approval"}
            results.append(
                {
                    **recorded_times(detail),
                    "client_total_s": (t1 - t0) + (t3 - t2),
                    **{f"step_{k}_s": v for k, v in steps.items()},
                }
            )
            bare.append(bare_job(spec_path))
            # stdout is the runtime's log file here; progress goes to the terminal.
            print(
                f"job {n}/{jobs}: {results[-1]['total_s']:.2f} s, bare {bare[-1].total:.2f} s",
                file=sys.stderr,
                flush=True,
            )
    return results, bare


def recorded_times(detail: dict) -> dict[str, float]:
    """A job's time as the forge recorded it: created -> the approval wait opened, plus the wait released (the
    approval run closed) -> the job finished. Read from the rows, the figure does not depend on how often this
    client polls, so it can poll slowly: every poll is an API request and a database query competing with the job
    for the machine's two cores (at 50 ms, about 300 of them per job)."""
    approval = next(r for r in detail["runs"] if r["step"] == "approval")

    def at(stamp: str) -> float:
        return datetime.fromisoformat(stamp).timestamp()

    to_approval = at(approval["started_at"]) - at(detail["job"]["created_at"])
    after_approval = at(detail["job"]["finished_at"]) - at(approval["finished_at"])
    return {"to_approval_s": to_approval, "after_approval_s": after_approval, "total_s": to_approval + after_approval}


def wait(client: object, job_id: str, statuses: tuple[str, ...], timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        detail = client.job(job_id)  # type: ignore[attr-defined]
        if detail["job"]["status"] in statuses:
            return detail
        if detail["job"]["status"] in ("failed", "cancelled"):
            raise SystemExit(f"job {job_id} {detail['job']['status']}: {detail['job']['error']}")
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"job {job_id} did not reach {statuses} in {timeout}s")


def main() -> None:
    if sys.argv[1:2] == ["--bare-isolated"]:
        sys.path.insert(0, str(ROOT))
        out = os.fdopen(os.dup(1), "w")  # the answer; the JSON log stream goes to /dev/null
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        spec_path, work = Path(sys.argv[2]), Path(sys.argv[3])
        print(json.dumps([_contract_suites_here(spec_path, work), _site_runs_here(spec_path, work)]), file=out)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument("--spec", type=Path, default=ROOT / "examples" / "woocommerce.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "pipeline.json")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="forge-bench-"))
    os.environ.setdefault("FORGE_HOME", str(home))
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    # The JSON log stream would drown the report; keep it in a file.
    log = open(home / "bench.log", "w")  # noqa: SIM115 - lives as long as the process
    real_stdout = os.dup(1)
    os.dup2(log.fileno(), 1)
    load_at_start = os.getloadavg()[0]
    try:
        jobs, bare = run_jobs(args.spec, args.jobs)
    finally:
        sys.stdout.flush()
        os.dup2(real_stdout, 1)
    report = summarise(args, jobs, bare, load_at_start)
    print(f"spec                         {report['spec']}")
    print(f"jobs run end to end          {args.jobs}")
    print(f"median job (no approval wait) {report['median_job_s']:8.3f} s   (p90 {report['p90_job_s']:.3f} s)")
    print(
        f"median bare job              {report['median_bare_s']:8.3f} s   ({report['bare_tool_invocations_per_job']} "
        "tool invocations, the analyser, the contract suites, the site runs)"
    )
    print("  bare parts (median s)      " + ", ".join(f"{k} {v}" for k, v in report["median_bare_part_s"].items()))
    print(f"ratio job / bare job         {report['ratio_job_to_bare']:8.2f}   (target <= 1.3)")
    print(
        f"  without analyser/suites    {report['ratio_job_to_bare_tools_and_site_runs']:8.2f}   (the earlier baseline)"
    )
    print("median per step (s)          " + ", ".join(f"{k} {v}" for k, v in report["median_step_s"].items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {args.out}; runtime log in {home / 'bench.log'}")


def summarise(
    args: argparse.Namespace, jobs: list[dict[str, float]], bare: list[Bare], load_at_start: float
) -> dict[str, object]:
    totals = [j["total_s"] for j in jobs]
    med_job, med_bare = statistics.median(totals), statistics.median(b.total for b in bare)
    # The baseline before the analyser and the contract suites were counted: tools and site runs only.
    med_earlier = statistics.median(b.tools + b.site_runs for b in bare)
    steps = sorted({k for j in jobs for k in j if k.startswith("step_")})
    parts = ("tools", "analyser", "contract_suites", "site_runs")
    return {
        "spec": args.spec.name,
        "jobs": args.jobs,
        "median_job_s": round(med_job, 3),
        "p90_job_s": round(sorted(totals)[math.ceil(len(totals) * 0.9) - 1], 3),  # nearest rank
        # As the polling client saw it: up to one poll interval later at each of its two waits.
        "median_job_client_s": round(statistics.median(j["client_total_s"] for j in jobs), 3),
        "poll_seconds": POLL_SECONDS,
        "median_bare_s": round(med_bare, 3),
        "median_bare_part_s": {p: round(statistics.median(getattr(b, p) for b in bare), 3) for p in parts},
        "bare_tool_invocations_per_job": bare[0].invocations,
        "ratio_job_to_bare": round(med_job / med_bare, 2),
        "ratio_job_to_bare_tools_and_site_runs": round(med_job / med_earlier, 2),
        "median_step_s": {k[5:-2]: round(statistics.median(j[k] for j in jobs if k in j), 3) for k in steps},
        # Each job beside the bare run made right after it, in order: the machine is shared, so the pairs show how
        # much of a difference is load.
        "pairs_s": [[round(j["total_s"], 3), round(b.total, 3)] for j, b in zip(jobs, bare, strict=True)],
        "machine": f"{os.cpu_count()} cpus, python {sys.version.split()[0]}",
        # The 1-minute load average when the run started and when it ended: how busy the shared machine was.
        "load_average_start_end": [round(load_at_start, 2), round(os.getloadavg()[0], 2)],
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


if __name__ == "__main__":
    main()
