"""Stages the `forge` Lambda layer (`python/forge` + its runtime dependencies) without Docker.

Dependencies come as binary wheels for the Lambda platform (manylinux2014 x86_64, CPython 3.12), so the
layer can be built on any machine that can reach a package index, whatever its own Python or OS. The staged
directory is cached under a hash of what determines its content, so repeated synths cost one hash of the
inputs and no pip call.

Cache layout (under FORGE_LAYER_CACHE, default <repo>/cdk.out/.layer-cache):
    deps-<hash of pyproject + constraints + this recipe>/python/   pip's output, reused while only the library changes
    layer-<hash of the above + library sources>/python/            deps (hard links) + a copy of layers/forge
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PLATFORM = "manylinux2014_x86_64"
PYTHON_VERSION = "3.12"
IMPLEMENTATION = "cp"

# The Lambda Python runtime ships boto3, botocore and s3transfer; a second copy in the layer would only add
# ~25 MB and shadow the runtime's (layers come first on sys.path). aws-xray-sdk pulls botocore in, hence the
# walk over the resolved graph below rather than a plain `pip install --target`.
PROVIDED_BY_RUNTIME = frozenset({"boto3", "botocore", "s3transfer"})

# What the Lambda functions never import: the local runtime (moto, pgserver) and the CLI. Leaving them out
# keeps the rule "production code paths never depend on moto" true at run time, not only by convention.
LIBRARY_EXCLUDED_PACKAGES = frozenset({"local", "cli"})
LIBRARY_EXCLUDED_SUFFIXES = (".pyc", ".pyo")

# A layer plus the function code may not exceed 250 MB unzipped; fail at synth rather than at deploy.
MAX_LAYER_BYTES = 200 * 1024 * 1024

# How many superseded cache entries of each kind to keep (an edited library creates a new layer-* entry; the
# deps are hard links, so an old entry costs little, but the cache should not grow without bound).
KEEP_ENTRIES = 3

# Markers are evaluated for the Lambda runtime, not for the Python running the synth.
LAMBDA_MARKERS = {
    **default_environment(),
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "python_version": PYTHON_VERSION,
    "python_full_version": f"{PYTHON_VERSION}.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
}

_NO_DISTRIBUTION = re.compile(r"No matching distribution found for ([^\s]+)")
_NO_VERSION = re.compile(r"Could not find a version that satisfies the requirement ([^\s]+)")
_UNREACHABLE = ("NewConnectionError", "Could not fetch URL", "Temporary failure in name resolution")


class LayerBuildError(RuntimeError):
    """The layer cannot be built; the message says which dependency and why."""


@dataclass(frozen=True)
class LayerBundle:
    path: Path  # the directory to hand to lambda.Code.from_asset: it holds python/
    digest: str  # the asset hash: it changes exactly when the layer's content would


def default_cache_root(repo_root: Path) -> Path:
    override = os.environ.get("FORGE_LAYER_CACHE")
    return Path(override).expanduser().resolve() if override else repo_root / "cdk.out" / ".layer-cache"


def runtime_requirements(pyproject: Path) -> list[str]:
    """[project.dependencies] minus what the Lambda runtime provides."""
    deps = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    return [d for d in deps if canonicalize_name(Requirement(d).name) not in PROVIDED_BY_RUNTIME]


def missing_wheel(pip_stderr: str) -> str | None:
    """The requirement pip could not find a wheel for, if that is why it failed."""
    match = _NO_DISTRIBUTION.search(pip_stderr) or _NO_VERSION.search(pip_stderr)
    return match[1] if match else None


def build_layer(repo_root: Path, cache_root: Path | None = None) -> LayerBundle:
    """Return the staged layer directory, building it only when its inputs changed."""
    cache_root = cache_root or default_cache_root(repo_root)
    cache_root.mkdir(parents=True, exist_ok=True)
    pyproject, constraints = repo_root / "pyproject.toml", repo_root / "constraints.txt"
    library = repo_root / "layers" / "forge"

    deps_digest = _digest(
        [("pyproject.toml", pyproject.read_bytes()), ("constraints.txt", constraints.read_bytes())]
        + [("recipe", Path(__file__).read_bytes())]
    )
    layer_digest = _digest([("deps", deps_digest.encode())] + list(_library_files(library)))

    layer_dir = cache_root / f"layer-{layer_digest[:24]}"
    if not _complete(layer_dir):
        deps_dir = _deps(cache_root / f"deps-{deps_digest[:24]}", pyproject, constraints)
        _stage(layer_dir, deps_dir, library)
        _prune(cache_root, "layer-", keep=layer_dir)
        _prune(cache_root, "deps-", keep=deps_dir)
    return LayerBundle(path=layer_dir, digest=layer_digest)


def _digest(parts: Iterable[tuple[str, bytes]]) -> str:
    h = hashlib.sha256()
    for name, data in parts:
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def _library_files(library: Path) -> Iterable[tuple[str, bytes]]:
    for path in sorted(library.rglob("*")):
        rel = path.relative_to(library)
        if path.is_file() and not any(_excluded(Path(*rel.parts[: i + 1])) for i in range(len(rel.parts))):
            yield rel.as_posix(), path.read_bytes()


def _excluded(rel: Path) -> bool:
    """Whether this path of the library (relative to layers/forge) stays out of the layer."""
    if len(rel.parts) == 1 and rel.name in LIBRARY_EXCLUDED_PACKAGES:
        return True
    return rel.name == "__pycache__" or rel.suffix in LIBRARY_EXCLUDED_SUFFIXES


def _complete(entry: Path) -> bool:
    # Entries are renamed into place only once fully written, so existence of the marker means complete.
    return (entry / ".complete").is_file()


def _publish(tmp: Path, entry: Path) -> None:
    """Atomically move a finished staging dir into place; a concurrent synth that got there first wins."""
    (tmp / ".complete").write_text("ok\n")
    try:
        tmp.rename(entry)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not _complete(entry):
            raise


def _pip(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", *args, "--disable-pip-version-check", "--no-input"],
        capture_output=True,
        text=True,
        check=False,
    )


def _platform_args() -> list[str]:
    return [
        "--platform",
        PLATFORM,
        "--implementation",
        IMPLEMENTATION,
        "--python-version",
        PYTHON_VERSION,
        "--only-binary=:all:",
    ]


def _deps(entry: Path, pyproject: Path, constraints: Path) -> Path:
    if _complete(entry):
        return entry
    requirements = runtime_requirements(pyproject)
    tmp = entry.parent / f".tmp-{uuid.uuid4().hex}"
    target = tmp / "python"
    target.mkdir(parents=True)
    try:
        pins = _resolve(requirements, constraints, tmp)
        # --no-deps: the set is already resolved and closed; --no-compile: pip here is not Python 3.12, and
        # bytecode it wrote would be ignored by the Lambda runtime anyway.
        result = _pip(
            ["install", "--quiet", "--no-deps", "--no-compile", "--target", str(target)] + _platform_args() + pins
        )
        _raise_for(result, requirements)
        shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts: nothing in Lambda runs them
        size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
        if size > MAX_LAYER_BYTES:
            raise LayerBuildError(f"the layer's dependencies take {size >> 20} MB unzipped; Lambda allows 250 MB")
        _publish(tmp, entry)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return entry


def _resolve(requirements: list[str], constraints: Path, workdir: Path) -> list[str]:
    """Resolve once for the Lambda platform, then keep what the requirements need except the runtime's own."""
    report = workdir / "report.json"
    result = _pip(
        ["install", "--quiet", "--dry-run", "--ignore-installed", "--report", str(report)]
        + ["--target", str(workdir / "resolve"), "-c", str(constraints)]
        + _platform_args()
        + requirements
    )
    _raise_for(result, requirements)
    items = {canonicalize_name(i["metadata"]["name"]): i for i in json.loads(report.read_text())["install"]}
    keep: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(canonicalize_name(Requirement(r).name), frozenset(Requirement(r).extras)) for r in requirements]
    while todo:
        name, extras = todo.pop()
        if name in PROVIDED_BY_RUNTIME or (name, extras) in seen:
            continue
        seen.add((name, extras))
        keep.add(name)
        for spec in items[name]["metadata"].get("requires_dist", []):
            req = Requirement(spec)
            wanted = not req.marker or any(
                req.marker.evaluate({**LAMBDA_MARKERS, "extra": extra}) for extra in (extras or {""})
            )
            if wanted:
                todo.append((canonicalize_name(req.name), frozenset(req.extras)))
    return sorted(f"{items[n]['metadata']['name']}=={items[n]['metadata']['version']}" for n in keep)


def _raise_for(result: subprocess.CompletedProcess[str], requirements: list[str]) -> None:
    if result.returncode == 0:
        return
    if any(sign in result.stderr for sign in _UNREACHABLE):
        # Offline, pip also reports "no matching distribution": do not blame a package for a network problem.
        raise LayerBuildError(
            "the package index could not be reached while building the Lambda layer (pip needs it on the first "
            "synth; later ones reuse cdk.out/.layer-cache, or FORGE_LAYER_CACHE):\n" + _tail(result.stderr)
        )
    missing = missing_wheel(result.stderr)
    if missing:
        raise LayerBuildError(
            f"no {PLATFORM} CPython {PYTHON_VERSION} wheel for {missing} (at the version constraints.txt pins). The "
            "Lambda layer is built without Docker from binary wheels only: pin a version that ships such a wheel, or "
            "keep the code that needs it out of the Lambda layer (a container image instead)."
        )
    raise LayerBuildError(
        f"pip failed while building the Lambda layer for {', '.join(requirements)}:\n" + _tail(result.stderr)
    )


def _tail(stderr: str) -> str:
    return "\n".join(stderr.strip().splitlines()[-15:])


def _stage(entry: Path, deps_dir: Path, library: Path) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=entry.parent))
    try:
        # Hard links: the deps are ~70 MB of files that never change within one deps-* entry.
        shutil.copytree(deps_dir / "python", tmp / "python", copy_function=_link_or_copy)
        shutil.copytree(
            library,
            tmp / "python" / "forge",
            ignore=lambda d, names: [n for n in names if _excluded((Path(d) / n).relative_to(library))],
        )
        _publish(tmp, entry)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _link_or_copy(src: str, dst: str) -> str:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _prune(cache_root: Path, prefix: str, keep: Path) -> None:
    # Leftovers of an interrupted synth; an hour is far longer than any staging takes.
    for stale in cache_root.glob(".tmp-*"):
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)
    entries = sorted(
        (p for p in cache_root.glob(f"{prefix}*") if p != keep and p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in entries[KEEP_ENTRIES - 1 :]:
        shutil.rmtree(old, ignore_errors=True)
