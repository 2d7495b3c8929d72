"""Cold start of each Lambda handler: the time a fresh interpreter takes to load `functions/<name>/handler.py` (what
Lambda's init phase spends on our code), median of a few fresh processes, with the imports that cost the most
(`python -X importtime`), and the same load with tracing on as in Lambda (the X-Ray tracer built: `load_ms_tracing`).
Target (issue 19): at most 250 ms each.

    .venv/bin/python bench/cold_start.py [--runs 5] [--top 5]

Writes bench/results/cold_start.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGET_MS = 250.0

# Loads the handler as the emulator and Lambda do (by file), timed inside the process: interpreter start not counted.
LOAD = """
import importlib.util, sys, time
started = time.perf_counter()
spec = importlib.util.spec_from_file_location("handler_under_test", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(round((time.perf_counter() - started) * 1000, 1))
"""


def handlers() -> list[Path]:
    return sorted((ROOT / "functions").glob("*/handler.py"))


def lambda_environment(handler: Path) -> dict[str, str]:
    """What Lambda sets and Powertools reads to turn tracing on (the X-Ray tracer is built at load, forge.tracing),
    and what the stack sets: the cold start Lambda pays."""
    return {
        **os.environ,
        "LAMBDA_TASK_ROOT": str(handler.parent),
        "AWS_LAMBDA_FUNCTION_NAME": f"forge-{handler.parent.name}",
        "AWS_REGION": os.environ.get("AWS_REGION", "us-east-1"),
        # As infra/context.py sets it for every function.
        "PYDANTIC_DISABLE_PLUGINS": "__all__",
    }


def load_ms(handler: Path, tracing: bool = False) -> float:
    done = subprocess.run(  # noqa: S603 - this interpreter loading the project's own handler
        [sys.executable, "-c", LOAD, str(handler)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=lambda_environment(handler) if tracing else None,
    )
    return float(done.stdout.strip().splitlines()[-1])


def heaviest_imports(handler: Path, top: int) -> list[tuple[str, float]]:
    """Top-level imports by cumulative time (ms), from -X importtime."""
    done = subprocess.run(  # noqa: S603 - as above
        [sys.executable, "-X", "importtime", "-c", LOAD, str(handler)], capture_output=True, text=True, check=True
    )
    found: list[tuple[str, float]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self, cumulative, name = (part for part in line.removeprefix("import time:").split("|"))
        if not name.startswith(" ") or name.startswith("  "):
            continue  # nested: counted in its top-level package
        found.append((name.strip(), round(int(cumulative) / 1000, 1)))
    return sorted(found, key=lambda item: -item[1])[:top]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    rows = []
    for handler in handlers():
        name = handler.parent.name
        median = statistics.median(load_ms(handler) for _ in range(args.runs))
        traced = statistics.median(load_ms(handler, tracing=True) for _ in range(args.runs))
        heavy = heaviest_imports(handler, args.top)
        rows.append(
            {
                "handler": name,
                "load_ms": median,
                "within_target": median <= TARGET_MS,
                "load_ms_tracing": traced,
                "heaviest": heavy,
            }
        )
        print(f"{name:20} {median:7.1f} ms  tracing on {traced:7.1f} ms  " + ", ".join(f"{n} {ms}" for n, ms in heavy))
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"python {platform.python_version()}",
        "target_ms": TARGET_MS,
        "handlers": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cold_start.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
