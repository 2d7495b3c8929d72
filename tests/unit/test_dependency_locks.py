"""The hash-locked pins follow pyproject.toml: a dependency added or moved there without `make lock` fails here, before
an install does (docs/dependencies.md, "Adding a dependency")."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from infra.layer_build import lock_requirements

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCKS = {"constraints.txt": ROOT / "constraints.txt", "requirements/lambda.txt": ROOT / "requirements" / "lambda.txt"}


def _pins(lock: Path) -> dict[str, list[tuple[Requirement, str]]]:
    pins: dict[str, list[tuple[Requirement, str]]] = {}
    for req, text in lock_requirements(lock.read_text()):
        pins.setdefault(canonicalize_name(req.name), []).append((req, text))
    return pins


def _version(req: Requirement) -> str:
    (spec,) = req.specifier
    assert spec.operator == "==", req
    return spec.version


def _declared() -> list[Requirement]:
    extras = PYPROJECT["project"]["optional-dependencies"]
    specs = [*PYPROJECT["project"]["dependencies"], *PYPROJECT["build-system"]["requires"]]
    specs += [spec for extra in ("local", "cdk", "dev") for spec in extras[extra]]
    specs += [line for line in (ROOT / "requirements" / "tools.in").read_text().splitlines() if line[:1].isalnum()]
    return [Requirement(spec) for spec in specs]


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_pin_has_an_exact_version_and_its_hashes(lock: str) -> None:
    pins = _pins(LOCKS[lock])
    assert pins
    for name, entries in pins.items():
        for req, text in entries:
            _version(req)
            assert "--hash=sha256:" in text, f"{lock}: {name} has no hash"


def test_constraints_pin_every_declared_dependency_at_a_version_it_accepts() -> None:
    pins = _pins(LOCKS["constraints.txt"])
    for declared in _declared():
        found = pins.get(canonicalize_name(declared.name))
        assert found, f"constraints.txt pins no {declared.name}: run `make lock`"
        for req, _ in found:
            assert declared.specifier.contains(_version(req), prereleases=True), (
                f"constraints.txt pins {req}, pyproject.toml asks {declared}: run `make lock`"
            )


def test_the_lambda_lock_has_the_runtime_dependencies_at_the_versions_the_tests_run() -> None:
    lambda_pins = _pins(LOCKS["requirements/lambda.txt"])
    constraints = _pins(LOCKS["constraints.txt"])
    for spec in PYPROJECT["project"]["dependencies"]:
        assert canonicalize_name(Requirement(spec).name) in lambda_pins, f"lambda.txt lacks {spec}: run `make lock`"
    for name, entries in lambda_pins.items():
        versions = {_version(req) for req, _ in constraints.get(name, [])}
        for req, _ in entries:
            assert _version(req) in versions, f"lambda.txt pins {req}, constraints.txt {versions}: run `make lock`"
