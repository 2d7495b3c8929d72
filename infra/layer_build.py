"""`make layer`: stages the Lambda layer, layers/forge plus its dependencies, from the hash-locked
requirements/lambda.txt for the Lambda platform (CPython 3.12, manylinux2014 x86_64), without Docker and on any
machine that can reach the package index once. The CDK app only packages the result (infra/layer_bundle.py); no
module the app imports runs this one.

Two steps, each cached:
  deps   pip downloads every wheel the lock pins (each checked against its sha256), keeps those the library needs
         on Lambda (walking the wheels' own metadata from pyproject's dependencies, minus what the Lambda runtime
         ships) and installs them with --require-hashes into build/lambda-layer-deps/<digest>/python. Only a
         changed lock (or recipe) downloads again: a library change reuses this entry, offline.
  layer  those dependencies (hard links) plus a copy of layers/forge, swapped into build/lambda-layer/ with a stamp
         of everything it was built from, which the synth compares against the checkout.

Run as `python -m infra.layer_build` (what `make layer` does); the tests in tests/infra call build_layer().
"""

from __future__ import annotations

import email.parser
import os
import shutil
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from infra.layer_bundle import (
    LAYER_DIR,
    LIBRARY,
    LOCK,
    STAMP,
    LayerBundle,
    deps_digest,
    excluded,
    layer_digest,
    runtime_dependencies,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEPS_CACHE = Path("build") / "lambda-layer-deps"

PLATFORM = "manylinux2014_x86_64"
PYTHON_VERSION = "3.12"
IMPLEMENTATION = "cp"

# The Lambda Python runtime ships boto3, botocore and s3transfer; a second copy in the layer would only add ~25 MB
# and shadow the runtime's (layers come first on sys.path). What only they need (python-dateutil, six) stays out
# too: the walk below never enters them. The Fargate images, which have no such runtime, install the whole lock.
PROVIDED_BY_RUNTIME = frozenset({"boto3", "botocore", "s3transfer"})

# A layer plus the function code may not exceed 250 MB unzipped; fail here rather than at deploy.
MAX_LAYER_BYTES = 200 * 1024 * 1024

# Superseded dependency entries kept (a lock change makes a new one; switching branches back reuses the old).
KEEP_DEPS_ENTRIES = 2

# Markers are evaluated for the Lambda runtime, not for the Python running the build.
LAMBDA_MARKERS: dict[str, str] = {
    **{name: str(value) for name, value in default_environment().items()},  # all text; typed as a TypedDict
    "implementation_name": "cpython",
    "implementation_version": f"{PYTHON_VERSION}.0",
    "platform_python_implementation": "CPython",
    "python_version": PYTHON_VERSION,
    "python_full_version": f"{PYTHON_VERSION}.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
}

_UNREACHABLE = ("NewConnectionError", "Could not fetch URL", "Temporary failure in name resolution")
_HASH_MISMATCH = "DO NOT MATCH THE HASHES"


class LayerBuildError(RuntimeError):
    """The layer cannot be built; the message says which dependency and why."""


@dataclass(frozen=True)
class Wheel:
    name: str
    version: Version
    requires: list[str]


@dataclass(frozen=True)
class LayerBuild:
    bundle: LayerBundle
    what: str  # what this run had to do, for the person who ran it
    seconds: float


def build_layer(repo_root: Path = REPO_ROOT) -> LayerBuild:
    """Stage build/lambda-layer/ unless its stamp already matches the checkout."""
    started = time.monotonic()
    layer = repo_root / LAYER_DIR
    digest = layer_digest(repo_root)
    stamp = layer / STAMP
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == digest:
        what = "up to date"
    else:
        deps, downloaded = _deps(repo_root, repo_root / DEPS_CACHE)
        _stage(layer, deps, repo_root / LIBRARY, digest)
        what = "built, dependencies downloaded" if downloaded else "built from cached dependencies"
    return LayerBuild(LayerBundle(path=layer, digest=digest), what, time.monotonic() - started)


def lock_requirements(text: str) -> list[tuple[Requirement, str]]:
    """Each requirement of a pip requirements file, parsed, with its whole text (continuation lines: the hashes)."""
    found: list[tuple[Requirement, str]] = []
    lines: list[str] = []
    for line in text.splitlines():
        if lines or line[:1].isalnum():
            lines.append(line)
            if not line.rstrip().endswith("\\"):
                found.append((Requirement(lines[0].rstrip(" \\")), "\n".join(lines)))
                lines = []
    return found


def layer_packages(dependencies: Iterable[str], wheels: dict[str, Wheel]) -> set[str]:
    """The canonical names the layer must hold: everything the dependencies need on Lambda, minus the runtime's."""
    keep: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(Requirement(spec), "pyproject.toml") for spec in dependencies]
    while todo:
        req, wanted_by = todo.pop()
        name = canonicalize_name(req.name)
        if name in PROVIDED_BY_RUNTIME or (name, frozenset(req.extras)) in seen:
            continue
        wheel = wheels.get(name)
        if wheel is None:
            raise LayerBuildError(f"{LOCK} pins no {req.name}, which {wanted_by} requires: run `make lock`")
        if not req.specifier.contains(wheel.version, prereleases=True):
            raise LayerBuildError(
                f"{LOCK} pins {wheel.name}=={wheel.version}, but {wanted_by} requires {req}: run `make lock`"
            )
        seen.add((name, frozenset(req.extras)))
        keep.add(name)
        for spec in wheel.requires:
            dep = Requirement(spec)
            if not dep.marker or any(
                dep.marker.evaluate({**LAMBDA_MARKERS, "extra": extra}) for extra in (req.extras or {""})
            ):
                todo.append((dep, wheel.name))
    return keep


def wheel_metadata(wheel: Path) -> Wheel:
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        message = email.parser.BytesParser().parsebytes(archive.read(metadata))
    return Wheel(str(message["Name"]), Version(str(message["Version"])), message.get_all("Requires-Dist") or [])


def _deps(repo_root: Path, cache: Path) -> tuple[Path, bool]:
    entry = cache / f"deps-{deps_digest(repo_root)[:24]}"
    if (entry / ".complete").is_file():
        os.utime(entry)  # most recently used: the last to be pruned
        return entry, False
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".tmp-{uuid.uuid4().hex}"
    lock = repo_root / LOCK
    try:
        wheels = tmp / "wheels"
        _pip(["download", "--require-hashes", "--no-deps", "--dest", str(wheels), "-r", str(lock)])
        found: dict[str, Wheel] = {
            canonicalize_name(w.name): w for w in map(wheel_metadata, sorted(wheels.glob("*.whl")))
        }
        keep = layer_packages(
            (d for d in runtime_dependencies(repo_root) if _applies(Requirement(d))),
            found,
        )
        entries: dict[str, str] = {
            canonicalize_name(r.name): text for r, text in lock_requirements(lock.read_text(encoding="utf-8"))
        }
        requirements = tmp / "layer-requirements.txt"
        requirements.write_text("\n".join(entries[name] for name in sorted(keep)) + "\n", encoding="utf-8")
        target = tmp / "python"
        # --no-index: only the wheels just downloaded and checked, checked again against the same hashes;
        # --no-compile: the pip here is not Python 3.12, and Lambda would ignore the bytecode it wrote.
        install = ["install", "--require-hashes", "--no-deps", "--no-index", "--find-links", str(wheels)]
        _pip([*install, "--no-compile", "--target", str(target), "-r", str(requirements)])
        shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts: nothing in Lambda runs them
        size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
        if size > MAX_LAYER_BYTES:
            raise LayerBuildError(f"the layer's dependencies take {size >> 20} MB unzipped; Lambda allows 250 MB")
        shutil.rmtree(wheels)
        _publish(tmp, entry)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _prune(cache, keep=entry)
    return entry, True


def _applies(req: Requirement) -> bool:
    return not req.marker or req.marker.evaluate({**LAMBDA_MARKERS, "extra": ""})


def _pip(args: list[str]) -> None:
    platform = ["--platform", PLATFORM, "--implementation", IMPLEMENTATION, "--python-version", PYTHON_VERSION]
    pip = [sys.executable, "-m", "pip", *args, *platform, "--only-binary=:all:", "--disable-pip-version-check"]
    result = subprocess.run(  # noqa: S603 - this interpreter's pip, on the hash-locked requirements
        [*pip, "--no-input", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return
    tail = "\n".join(line for line in result.stderr.strip().splitlines()[-15:] if "is ignored" not in line)
    if _HASH_MISMATCH in result.stderr:
        raise LayerBuildError(f"a downloaded wheel does not match its sha256 in {LOCK}; nothing was staged:\n{tail}")
    if any(sign in result.stderr for sign in _UNREACHABLE):
        # Offline, pip also reports "no matching distribution": do not blame a package for a network problem.
        raise LayerBuildError(
            f"the package index could not be reached: the first `make layer` after a change to {LOCK} downloads its "
            f"wheels (later builds reuse {DEPS_CACHE}/ offline):\n{tail}"
        )
    raise LayerBuildError(f"pip {args[0]} failed while building the Lambda layer from {LOCK}:\n{tail}")


def _publish(tmp: Path, entry: Path) -> None:
    """Move a finished staging dir into place; a concurrent build that got there first wins."""
    (tmp / ".complete").write_text("ok\n")
    try:
        tmp.rename(entry)
    except OSError:
        if not (entry / ".complete").is_file():
            raise


def _stage(layer: Path, deps: Path, library: Path, digest: str) -> None:
    tmp = layer.parent / f".{layer.name}-{uuid.uuid4().hex}"
    old = layer.parent / f".{layer.name}-old-{uuid.uuid4().hex}"
    try:
        # Hard links: the dependencies are ~70 MB of files that never change within one deps entry.
        shutil.copytree(deps / "python", tmp / "python", copy_function=_link_or_copy)
        shutil.copytree(
            library,
            tmp / "python" / "forge",
            ignore=lambda d, names: [n for n in names if excluded((Path(d) / n).relative_to(library))],
        )
        (tmp / STAMP).write_text(digest + "\n", encoding="utf-8")
        # Swap: the stamp and the files it describes always arrive together.
        if layer.exists():
            layer.rename(old)
        tmp.rename(layer)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def _link_or_copy(src: str, dst: str) -> str:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _prune(cache: Path, keep: Path) -> None:
    # Leftovers of an interrupted build; an hour is far longer than any staging takes.
    for stale in cache.glob(".tmp-*"):
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)
    entries = sorted(
        (p for p in cache.glob("deps-*") if p != keep and p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for old in entries[KEEP_DEPS_ENTRIES - 1 :]:
        shutil.rmtree(old, ignore_errors=True)


def main() -> int:
    try:
        build = build_layer()
    except LayerBuildError as exc:
        sys.stderr.write(f"make layer: {exc}\n")
        return 1
    size = sum(p.stat().st_size for p in (build.bundle.path / "python").rglob("*") if p.is_file())
    sys.stdout.write(
        f"layer: {LAYER_DIR}/ {build.what} in {build.seconds:.1f} s ({size / 1e6:.0f} MB, "
        f"stamp {build.bundle.digest[:12]})\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
