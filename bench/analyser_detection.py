"""Analyser detection table: scan every fixture of the corpus and write docs/analyser-detection.md.

    .venv/bin/python bench/analyser_detection.py [--check] [--plugin DIR]

Prints how long the corpus took to scan (and, with --plugin, a plugin folder such as the generated WooCommerce
plugin: `forge generate examples/woocommerce.yaml --out DIR`). --check writes nothing and exits 1 when the
committed table differs from a fresh run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from forge.gates import scan
from forge.gates.detection import load_manifest, render, run_corpus

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "scan" / "corpus"
TABLE = ROOT / "docs" / "analyser-detection.md"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed table is out of date")
    parser.add_argument("--plugin", type=Path, help="also time a full scan of this plugin folder")
    args = parser.parse_args()
    started = time.perf_counter()
    outcomes = run_corpus(CORPUS)
    elapsed = time.perf_counter() - started
    table = render(CORPUS, outcomes)
    missed = [o.fixture.path for o in outcomes if not o.passed]
    print(f"corpus: {len(outcomes)} fixtures scanned in {elapsed:.2f} s; not as expected: {missed or 'none'}")
    if args.plugin is not None:
        hosts = load_manifest(CORPUS).allowed_hosts
        started = time.perf_counter()
        report = scan(args.plugin, hosts)
        print(f"plugin: {args.plugin} scanned in {time.perf_counter() - started:.2f} s ({report.summary()})")
    if args.check:
        current = TABLE.read_text() if TABLE.exists() else ""
        if current != table:
            print(f"{TABLE.relative_to(ROOT)} is out of date: run bench/analyser_detection.py", file=sys.stderr)
            return 1
        return 0
    TABLE.write_text(table)
    print(f"wrote {TABLE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
