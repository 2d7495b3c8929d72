"""The analyser against backdoors: every fixture of the detection corpus, scanned alone by `scan()`.

The corpus (tests/fixtures/scan/corpus/manifest.toml) holds our own backdoors written after the techniques that
public scanners' test suites describe, and clean look-alikes that ordinary plugin code resembles."""

from __future__ import annotations

from pathlib import Path

import pytest

from forge.gates.detection import load_manifest, run_fixture

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "scan" / "corpus"
MANIFEST = load_manifest(CORPUS)
BACKDOORS = [f for f in MANIFEST.fixtures if not f.clean]
LOOK_ALIKES = [f for f in MANIFEST.fixtures if f.clean]


@pytest.mark.parametrize("fixture", BACKDOORS, ids=lambda f: f.path)
def test_backdoor_is_reported_as_an_error(fixture) -> None:
    """A plugin carrying any backdoor of the corpus fails the analyser, by the rules its manifest entry names."""
    outcome = run_fixture(CORPUS, fixture, MANIFEST.allowed_hosts)
    described = "\n".join(f.describe() for f in outcome.errors) or "no error"
    assert outcome.errors, f"{fixture.path} passed the analyser"
    assert set(fixture.expect) <= set(outcome.reported), described


@pytest.mark.parametrize("fixture", LOOK_ALIKES, ids=lambda f: f.path)
def test_clean_look_alike_raises_no_error(fixture) -> None:
    """Ordinary code that resembles a backdoor (request data as data, literal callables) is not an error."""
    outcome = run_fixture(CORPUS, fixture, MANIFEST.allowed_hosts)
    assert outcome.errors == [], "\n".join(f.describe() for f in outcome.errors)


def test_every_corpus_file_is_in_the_manifest() -> None:
    """No fixture sits in the corpus unscanned: each file belongs to exactly one manifest entry."""
    listed = [CORPUS / f.path for f in MANIFEST.fixtures]
    assert len(set(listed)) == len(listed)
    for path in CORPUS.rglob("*"):
        if path.is_file() and path.name != "manifest.toml":
            owners = [p for p in listed if path == p or p in path.parents]
            assert len(owners) == 1, f"{path.relative_to(CORPUS)} belongs to {len(owners)} manifest entries"
    assert len(BACKDOORS) >= 30
    assert len(LOOK_ALIKES) >= 10
