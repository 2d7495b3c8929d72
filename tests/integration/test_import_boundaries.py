"""Importing any domain module loads no driver (psycopg2, boto3, botocore beyond Powertools' own import, pkcs11,
hvac, moto) and no adapter module: the domain is handed its ports, it never reaches for the adapters at load time.

The modules and the adapters are the ones the import-linter contract `domain-without-adapters` (pyproject.toml)
names, so the static check (`make lint`) and this run-time check cover the same ground. Each module is imported in
a child forked from a fresh interpreter that has loaded Powertools (the baseline every module shares through
forge.observability) and the library's other dependencies that are no driver (pydantic, jinja2, tree-sitter, ...):
one interpreter start instead of one per module, and each child pays only for forge's own modules (35 s -> 14 s).
Preloading hides nothing: the test asserts that the baseline holds no driver but botocore and no forge module, so a
driver a domain module pulls in, directly or through a library, is still loaded in the child and reported."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

import forge

REPO = Path(__file__).resolve().parents[2]
DRIVERS = ("psycopg2", "boto3", "botocore", "pkcs11", "hvac", "moto", "pgserver")
# pyproject's dependencies that are no driver, by import name: loaded once, before the fork.
LIBRARIES = (
    "pydantic",
    "yaml",
    "jinja2",
    "cryptography",
    "jwt",
    "pyotp",
    "tree_sitter",
    "tree_sitter_php",
    "tree_sitter_javascript",
    "tree_sitter_typescript",
    "cyclonedx",
)

CHILD = r"""
import json, os, sys
drivers, adapters, libraries, modules = json.loads(sys.stdin.read())
import aws_lambda_powertools  # the baseline: the house logger's package (it imports botocore for its user agent)
for library in libraries:
    __import__(library)
assert not [m for m in sys.modules if m == "forge" or m.startswith("forge.")], "the baseline loaded forge"

def offending():
    return sorted(m for m in sys.modules if m.split(".")[0] in drivers or m.startswith(tuple(adapters)))

baseline = set(offending())
print(json.dumps({"baseline": sorted(baseline)}), flush=True)
for module in modules:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            __import__(module)
            found = {"loaded": sorted(set(offending()) - baseline)}
        except BaseException as exc:
            found = {"error": f"{type(exc).__name__}: {exc}"}
        os.write(write, json.dumps({module: found}).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    print(answer.decode(), flush=True)
"""


@cache
def contract() -> dict:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["id"] == "domain-without-adapters")


def domain_modules() -> list[str]:
    names = []
    for root in contract()["source_modules"]:
        names.append(root)
        module = __import__(root, fromlist=["_"])
        if hasattr(module, "__path__"):
            # A `__main__` is a script's entry point (it runs and exits when imported), not a module others import.
            walked = pkgutil.walk_packages(module.__path__, root + ".")
            names.extend(m.name for m in walked if m.name.rsplit(".", 1)[-1] != "__main__")
    return sorted(set(names))


def adapter_modules() -> list[str]:
    return [m for m in contract()["forbidden_modules"] if m.startswith("forge.")]


def import_each(modules: list[str]) -> tuple[list[str], dict[str, dict]]:
    payload = json.dumps([DRIVERS, adapter_modules(), LIBRARIES, modules])
    done = subprocess.run(
        [sys.executable, "-c", CHILD], input=payload, capture_output=True, text=True, timeout=300, check=True
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    baseline = lines[0]["baseline"]
    results: dict[str, dict] = {}
    for line in lines[1:]:
        results.update(line)
    return baseline, results


def test_no_domain_module_loads_a_driver_or_an_adapter() -> None:
    modules = domain_modules()
    assert len(modules) > 50, modules  # the walk found the packages
    baseline, results = import_each(modules)
    # Powertools imports the top-level botocore package to register its user agent, and nothing more of it; the
    # preloaded libraries load no driver (else a domain module's import of that driver would go unseen).
    assert baseline == ["botocore"], baseline
    assert sorted(results) == modules
    errors = {m: r["error"] for m, r in results.items() if "error" in r}
    assert not errors, errors
    loaded = {m: r["loaded"] for m, r in results.items() if r["loaded"]}
    assert not loaded, f"domain modules that load drivers or adapters at import time: {loaded}"


def test_the_check_sees_a_driver_when_one_is_loaded() -> None:
    """The probe itself works: an adapter module and a driver-importing module are reported."""
    _, results = import_each(["forge.db.repositories", "forge.workflow.client"])
    assert "psycopg2" in results["forge.db.repositories"]["loaded"]
    assert "boto3" in results["forge.workflow.client"]["loaded"]


def test_every_signing_and_publishing_module_is_classified() -> None:
    """forge.signing and forge.publishing hold both domain and adapter modules: each new one must be named in the
    contract as one or the other, or the two checks would silently skip it."""
    named = set(contract()["source_modules"]) | set(contract()["forbidden_modules"])
    for package in ("forge.signing", "forge.publishing"):
        module = __import__(package, fromlist=["_"])
        for info in pkgutil.iter_modules(module.__path__, package + "."):
            assert info.name in named, f"{info.name}: add it to source_modules or forbidden_modules"


def test_every_forge_package_is_in_a_layer() -> None:
    layers = " ".join(
        next(
            c
            for c in tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
            if c["id"] == "layers"
        )["layers"]
    )
    for info in pkgutil.iter_modules(forge.__path__, "forge."):
        assert info.name in layers.replace("|", " ").replace(":", " ").split(), f"{info.name} is in no layer"
