"""The repository layout the local runtime and the CDK app share: statemachine/ and functions/."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from forge.errors import ForgeError


@lru_cache(maxsize=1)
def repo_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "statemachine" / "forge.asl.json").is_file() and (parent / "functions").is_dir():
            return parent
    raise ForgeError(f"no statemachine/forge.asl.json and functions/ above {here}: run from a checkout")


def definition_file() -> Path:
    return repo_root() / "statemachine" / "forge.asl.json"


def function_dir(name: str) -> Path:
    path = repo_root() / "functions" / name
    if not path.is_dir():
        raise ForgeError(f"no functions/{name} in {repo_root()}")
    return path
