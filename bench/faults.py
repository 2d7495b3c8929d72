"""Fault harness: a local runtime (its own process, its own embedded Postgres) meets the faults of issue 19, and
every job must end published or failed with the retry hint, none lost, none stuck, no run left "running".

- SIGKILL of the runtime inside each step, at three points (the run opened, the step at work, the run being recorded
  as a success), then a restart and `forge retry`;
- SIGKILL during the approval wait (after 0 or 1 approvals, and twice in a row): re-attached, approvals kept;
- Postgres stopped mid-step and started again: the step retries on the TransientError, the job publishes;
- the HSM token gone at Sign: Sign retries, fails naming the HSM; back again, `forge retry` publishes, no restart;
- KMS silent at Sign (a lab of its own that signs with moto's KMS, a server process the harness stops with SIGSTOP):
  Sign retries, fails naming KMS; KMS back (SIGCONT), `forge retry` publishes, no restart;
- the artifact store full, or read-only, at Package: a clean failure, no partial file; `forge retry` publishes.

Prints fault x trial x outcome and writes bench/results/faults.json and faults.md. Needs root (it mounts a small
tmpfs as the artifact store, to fill it and make it read-only).

    .venv/bin/python bench/faults.py [--only SUBSTRING] [--trials 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.chaos.harness import (  # noqa: E402 - after the repository root is on sys.path
    KILLED_STEPS,
    POINTS,
    Lab,
    artifact_store_broken,
    hsm_token_missing,
    kill_in_approval_wait,
    kill_in_step,
    kms_unavailable,
    new_lab,
    postgres_restart_in_step,
)

RESULTS = ROOT / "bench" / "results"


Trial = Callable[[Lab, int], str]
# The KMS fault's lab signs with KMS; every other fault's with SoftHSM.
KMS_FAULT = "KMS not answering at Sign"


def faults(trials: int) -> list[tuple[str, Trial]]:
    """(fault, run one trial): the kills take one point per trial (three trials: all three points)."""
    plan: list[tuple[str, Trial]] = [
        (f"SIGKILL in {step}", lambda lab, i, s=step: kill_in_step(lab, s, POINTS[i % len(POINTS)]))
        for step in KILLED_STEPS
    ]
    approval_variants = [(0, 1), (1, 1), (0, 2)]
    plan.append(
        (
            "SIGKILL in the approval wait",
            lambda lab, i: kill_in_approval_wait(lab, *approval_variants[i % len(approval_variants)]),
        )
    )
    where = [("build", "working"), ("sign", "opened"), ("package", "working")]
    plan.append(
        (
            "Postgres stopped mid-step, restarted",
            lambda lab, i: postgres_restart_in_step(lab, *where[i % len(where)], down_seconds=2.0),
        )
    )
    plan.append(("HSM token missing at Sign", lambda lab, _i: hsm_token_missing(lab)))
    plan.append(("artifact store full at Package", lambda lab, _i: artifact_store_broken(lab, "full")))
    plan.append(("artifact store read-only at Package", lambda lab, _i: artifact_store_broken(lab, "readonly")))
    # Trial 2 kills and restarts the runtime first: the keys live in KMS, so it signs on with the same key.
    plan.append((KMS_FAULT, lambda lab, i: kms_unavailable(lab, restart_first=i % 3 == 1)))
    return plan


def run_trials(lab: Lab, plan: list[tuple[str, Trial]], trials: int) -> None:
    lab.start()
    try:
        for name, run in plan:
            for i in range(trials):
                done = lab.record(name, i + 1, lambda run=run, i=i: run(lab, i))
                verdict = "held" if done.held else "NOT HELD"
                print(f"{name:40} {done.trial}  {verdict:8} {done.seconds:6.1f}s  {done.outcome}")
                sys.stdout.flush()
                if not done.held:
                    lab.recover()
    finally:
        lab.stop()


def markdown(report: dict[str, object], rows: list[dict[str, object]]) -> str:
    lines = [
        "# Faults survived",
        "",
        f"Written by `bench/faults.py` on {report['measured_at']} ({report['machine']}); {report['wall_s']} s in all.",
        "",
        "| fault | trial | held | outcome | s |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['fault']} | {r['trial']} | {'yes' if r['held'] else '**no**'} | {r['outcome']} | {r['seconds']} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--only", default="", help="run only the faults whose name contains this")
    args = parser.parse_args()
    plan = [(name, run) for name, run in faults(args.trials) if args.only in name]
    started = time.monotonic()
    labs = []
    for kms_signer in (False, True):
        part = [(name, run) for name, run in plan if (name == KMS_FAULT) == kms_signer]
        if part:
            labs.append(new_lab(kms_signer=kms_signer))
            run_trials(labs[-1], part, args.trials)
    rows = [t.__dict__ for lab in labs for t in lab.trials]
    report: dict[str, object] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{len(__import__('os').sched_getaffinity(0))} cpus, python {platform.python_version()}",
        "wall_s": round(time.monotonic() - started, 1),
        "trials": len(rows),
        "held": sum(1 for r in rows if r["held"]),
        "results": rows,
    }
    if not args.only:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "faults.json").write_text(json.dumps(report, indent=2) + "\n")
        (RESULTS / "faults.md").write_text(markdown(report, rows))
    print(f"{report['held']}/{report['trials']} trials held in {report['wall_s']} s")
    return 0 if report["held"] == report["trials"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
