"""Draws docs/benchmarks.svg from the committed results (bench/results/*.json): one panel of horizontal bars per
measurement, each beside its target, so docs/benchmarks.md shows the figures and where they stand. Plain SVG
written by hand: no plotting library to install.

    .venv/bin/python bench/chart.py
"""

from __future__ import annotations

import argparse
import json
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
OUT = ROOT / "docs" / "benchmarks.svg"

WIDTH = 760
LABEL_W = 300
BAR_H = 16
GAP = 6
TITLE_H = 28
COLOURS = {"measured": "#3b6ea8", "floor": "#9aa5b1", "over": "#c0392b"}

Bar = tuple[str, float, str]  # label, value, colour key


def _load(name: str) -> dict:
    path = RESULTS / name
    return json.loads(path.read_text()) if path.exists() else {}


def panels() -> list[tuple[str, str, float | None, list[Bar]]]:
    """(title, unit, target or None, bars)."""
    out: list[tuple[str, str, float | None, list[Bar]]] = []
    for name in ("pipeline.json", "pipeline-prestashop.json"):
        pipeline = _load(name)
        if not pipeline:
            continue
        ratio = pipeline["ratio_job_to_bare"]
        colour = "over" if ratio > 1.3 else "measured"
        bars = [
            ("forge job, median (approval wait excluded)", pipeline["median_job_s"], colour),
            ("bare: the job's work directly, no forge", pipeline["median_bare_s"], "floor"),
        ]
        spec = pipeline.get("spec", "woocommerce.yaml").removesuffix(".yaml")
        out.append((f"Pipeline ({spec}): ratio {ratio} (target 1.3)", "s", None, bars))
    load = _load("load.json").get("load")
    if load:
        bars = [
            (f"{load['jobs']} jobs at once, wall", load["wall_s"], "measured"),
            ("floor: tools' CPU time / cores", load["floor_s"], "floor"),
        ]
        out.append((f"Load: {load['wall_over_floor']}x the floor", "s", None, bars))
    api = _load("api.json").get("endpoints", [])
    if api:
        bars = []
        for row in api:
            name = row["endpoint"].split(" (")[0]
            over = "over" if row["p99_ms"] > 20 else "measured"
            bars.append((f"{name}, {row.get('clients', 4)} client(s), p99", row["p99_ms"], over))
            server = row.get("server_p50_ms")
            if server is not None:
                bars.append((f"{name}, {row.get('clients', 4)} client(s), server p50", server, "floor"))
        out.append(("API over loopback, 100k jobs (target p99 20 ms)", "ms", 20.0, bars))
    cold = _load("cold_start.json").get("handlers", [])
    if cold:
        target = float(_load("cold_start.json").get("target_ms", 250))
        bars = [(row["handler"], row["load_ms"], "over" if row["load_ms"] > target else "measured") for row in cold]
        out.append((f"Cold start per Lambda handler, tracing off (target {target:.0f} ms)", "ms", target, bars))
        traced = [
            (row["handler"], row["load_ms_tracing"], "over" if row["load_ms_tracing"] > target else "measured")
            for row in cold
            if "load_ms_tracing" in row
        ]
        if traced:
            out.append((f"Cold start, X-Ray tracing on as in Lambda (target {target:.0f} ms)", "ms", target, traced))
    return out


def svg() -> str:
    parts: list[str] = []
    y = 10
    for title, unit, target, bars in panels():
        parts.append(f'<text x="10" y="{y + 18}" font-weight="bold">{escape(title)}</text>')
        y += TITLE_H
        top = max([v for _, v, _ in bars] + ([target] if target else []))
        scale = (WIDTH - LABEL_W - 80) / top if top else 1
        first = y
        for label, value, colour in bars:
            width = max(1.0, value * scale)
            parts.append(f'<text x="10" y="{y + 12}">{escape(label)}</text>')
            parts.append(f'<rect x="{LABEL_W}" y="{y}" width="{width:.1f}" height="{BAR_H}" fill="{COLOURS[colour]}"/>')
            parts.append(f'<text x="{LABEL_W + width + 4:.1f}" y="{y + 12}">{value:g} {unit}</text>')
            y += BAR_H + GAP
        if target:
            x = LABEL_W + target * scale
            parts.append(
                f'<line x1="{x:.1f}" y1="{first - 4}" x2="{x:.1f}" y2="{y - GAP + 4}" stroke="#000" '
                'stroke-dasharray="4 3"/>'
            )
        y += 14
    body = "\n".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y}" font-family="sans-serif" '
        f'font-size="12">\n<rect width="100%" height="100%" fill="#fff"/>\n{body}\n</svg>\n'
    )


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    OUT.write_text(svg())
    print(f"written to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
