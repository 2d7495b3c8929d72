"""docs/analyser-detection.md is what the corpus gives today, and the manifest is checked on load."""

from __future__ import annotations

from pathlib import Path

import pytest

from forge.errors import ForgeError
from forge.gates.detection import load_manifest, render, run_corpus

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO / "tests" / "fixtures" / "scan" / "corpus"


def test_committed_table_matches_a_fresh_run() -> None:
    outcomes = run_corpus(CORPUS)
    assert (REPO / "docs" / "analyser-detection.md").read_text() == render(CORPUS, outcomes), (
        "docs/analyser-detection.md is out of date: run .venv/bin/python bench/analyser_detection.py"
    )
    assert [o.fixture.path for o in outcomes if not o.passed] == []


def test_quality_gates_doc_links_the_table() -> None:
    assert "analyser-detection.md" in (REPO / "docs" / "quality-gates.md").read_text()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('path = "x.php"\nfamily = "nope"\nexpect = ["exec.eval"]\nafter = "x"', "unknown family"),
        ('path = "x.php"\nfamily = "eval"\nexpect = ["exec.nope"]\nafter = "x"', "unknown rule"),
        ('path = "x.php"\nfamily = "eval"\nexpect = []\nafter = "x"', "only the 'clean' family"),
    ],
)
def test_bad_manifest_entries_are_named(tmp_path: Path, entry: str, message: str) -> None:
    head = 'allowed_hosts = []\n[families]\neval = "e"\nclean = "c"\n[[fixture]]\n'
    (tmp_path / "manifest.toml").write_text(head + entry)
    with pytest.raises(ForgeError, match=message):
        load_manifest(tmp_path)


def test_unreadable_manifest_is_a_forge_error(tmp_path: Path) -> None:
    with pytest.raises(ForgeError, match="unreadable corpus manifest"):
        load_manifest(tmp_path)
