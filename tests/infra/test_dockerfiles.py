"""The container images cannot be built here (no registry for the base images), so what a build would trip over first
is checked without Docker: in every Dockerfile under functions/, each COPY source exists in the build context (the
repository root, as infra/containers.py gives it), each FROM names an earlier stage or a base image, and each
ENTRYPOINT/CMD script imports in a fresh interpreter (its module level only: the `__main__` block is the task)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILES = sorted(p for p in (ROOT / "functions").rglob("Dockerfile*") if p.is_file())
IMPORT_ONLY = (
    "import importlib.util, sys; "
    "spec = importlib.util.spec_from_file_location('entry', sys.argv[1]); "
    "spec.loader.exec_module(importlib.util.module_from_spec(spec))"
)


@dataclass
class Parsed:
    stages: list[str] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)  # sources of COPY without --from, relative to the context
    entrypoints: list[list[str]] = field(default_factory=list)
    args: dict[str, str] = field(default_factory=dict)


def _instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def _parse(path: Path) -> Parsed:
    parsed = Parsed()
    for keyword, rest in _instructions(path.read_text()):
        if keyword == "ARG" and "=" in rest:
            name, _, default = rest.partition("=")
            parsed.args.setdefault(name, default)
        elif keyword == "FROM":
            words = rest.split()
            parsed.bases.append(words[0])
            parsed.stages.append(words[2] if len(words) == 3 and words[1].upper() == "AS" else "")
        elif keyword == "COPY" and "--from=" not in rest:
            words = [w for w in rest.split() if not w.startswith("--")]
            parsed.copies += words[:-1]
        elif keyword in ("ENTRYPOINT", "CMD"):
            parsed.entrypoints.append(json.loads(rest))
    return parsed


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_copy_source_exists_in_the_build_context(dockerfile: Path) -> None:
    parsed = _parse(dockerfile)
    assert parsed.copies
    missing = [source for source in parsed.copies if not (ROOT / source).exists()]
    assert not missing, f"{dockerfile.name} copies what the context lacks: {missing}"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_from_names_an_earlier_stage_or_a_base_image(dockerfile: Path) -> None:
    parsed = _parse(dockerfile)
    seen: list[str] = []
    for base, stage in zip(parsed.bases, parsed.stages, strict=True):
        resolved = re.sub(r"\$\{(\w+)\}", lambda m: parsed.args[m.group(1)], base)
        assert resolved in seen or re.fullmatch(r"[a-z0-9./-]+:[\w.-]+(@sha256:[0-9a-f]{64})?", resolved), base
        seen.append(stage)


def _import_error(script: Path, cwd: Path) -> str | None:
    """Import `script` in a fresh interpreter as the image would (WORKDIR holds functions/<step>/, the library comes
    from the virtualenv; -I: no PYTHONPATH, no user site, not the current folder). None when it imports."""
    done = subprocess.run(
        [sys.executable, "-I", "-c", IMPORT_ONLY, str(script)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return None if done.returncode == 0 else done.stderr[-2000:]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_entrypoint_imports_in_a_fresh_interpreter(dockerfile: Path, tmp_path: Path) -> None:
    parsed = _parse(dockerfile)
    assert parsed.entrypoints
    for command in parsed.entrypoints:
        assert command[0] == "python", command
        script = ROOT / command[1]
        assert script.is_file(), command
        # Each task also launches its untrusted half, entrypoint.py beside it, as a child.
        for module in (script, script.with_name("entrypoint.py")):
            assert _import_error(module, tmp_path) is None, (
                f"{module} does not import: {_import_error(module, tmp_path)}"
            )
