"""The Lambda layer the CDK app packages: the folder `make layer` staged (infra/layer_build.py), checked, never built.

Synth resolves and downloads nothing. It hands build/lambda-layer/ to CDK as it is, once the folder's stamp shows
it was built from the inputs in this checkout: the hash-locked requirements/lambda.txt, the runtime dependencies in
pyproject.toml, the build recipe and the library's sources. A missing or stale folder fails the synth with the
command that fixes it.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Relative to the repository root.
LAYER_DIR = Path("build") / "lambda-layer"  # holds python/ (what Lambda adds to sys.path) and the stamp
STAMP = ".stamp"
LOCK = Path("requirements") / "lambda.txt"
RECIPE = Path("infra") / "layer_build.py"
LIBRARY = Path("layers") / "forge"

# What the Lambda functions never import: the local runtime (moto, pgserver) and the CLI. Leaving them out keeps the
# rule "production code paths never depend on moto" true at run time, not only by convention.
LIBRARY_EXCLUDED_PACKAGES = frozenset({"local", "cli"})
LIBRARY_EXCLUDED_SUFFIXES = (".pyc", ".pyo")


class LayerNotBuiltError(RuntimeError):
    """The staged layer is missing or was built from other sources: `make layer` builds it."""


@dataclass(frozen=True)
class LayerBundle:
    path: Path  # the directory to hand to lambda.Code.from_asset: it holds python/
    digest: str  # the asset hash: it changes exactly when the layer's content would


def runtime_dependencies(repo_root: Path) -> list[str]:
    """pyproject.toml's [project.dependencies]: what the library needs wherever it runs."""
    pyproject = tomllib.loads((repo_root / "pyproject.toml").read_text(encoding="utf-8"))
    return list(pyproject["project"]["dependencies"])


def deps_digest(repo_root: Path) -> str:
    """What decides the layer's third-party content: the lock, the dependencies walked from, the recipe."""
    return _digest(
        [
            ("lock", (repo_root / LOCK).read_bytes()),
            ("dependencies", json.dumps(runtime_dependencies(repo_root)).encode()),
            ("recipe", (repo_root / RECIPE).read_bytes()),
        ]
    )


def layer_digest(repo_root: Path) -> str:
    """What decides the whole layer: its dependencies and every library file it ships."""
    library = repo_root / LIBRARY
    files = ((path.relative_to(library).as_posix(), path.read_bytes()) for path in library_files(library))
    return _digest([("deps", deps_digest(repo_root).encode()), *files])


def library_files(library: Path) -> Iterable[Path]:
    """The files of layers/forge the layer ships, in a stable order."""
    for path in sorted(library.rglob("*")):
        rel = path.relative_to(library)
        if path.is_file() and not any(excluded(Path(*rel.parts[: i + 1])) for i in range(len(rel.parts))):
            yield path


def excluded(rel: Path) -> bool:
    """Whether this path of the library (relative to layers/forge) stays out of the layer."""
    if len(rel.parts) == 1 and rel.name in LIBRARY_EXCLUDED_PACKAGES:
        return True
    return rel.name == "__pycache__" or rel.suffix in LIBRARY_EXCLUDED_SUFFIXES


def staged_layer(repo_root: Path) -> LayerBundle:
    """The folder `make layer` built, if it matches this checkout; otherwise a LayerNotBuiltError saying so."""
    layer = repo_root / LAYER_DIR
    stamp = layer / STAMP
    if not stamp.is_file() or not (layer / "python").is_dir():
        raise LayerNotBuiltError(
            f"no Lambda layer in {LAYER_DIR}/: run `make layer` (it stages layers/forge and the wheels {LOCK} pins; "
            "the synth only packages that folder)"
        )
    digest = layer_digest(repo_root)
    if stamp.read_text(encoding="utf-8").strip() != digest:
        raise LayerNotBuiltError(
            f"the Lambda layer in {LAYER_DIR}/ is stale: it was built from another {LOCK}, pyproject.toml "
            f"dependencies, {RECIPE} or {LIBRARY} than this checkout's: run `make layer`"
        )
    return LayerBundle(path=layer, digest=digest)


def _digest(parts: Iterable[tuple[str, bytes]]) -> str:
    h = hashlib.sha256()
    for name, data in parts:
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()
