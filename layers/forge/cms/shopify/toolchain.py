"""The npm cache the Shopify app's build, tests and sandbox install from: the build has no network, so the trusted
side fills a cache from the npm registry once per package-lock.json (bootstrap locally, the build image in AWS) and
the staging hands it to the isolated half read-only. `npm ci --offline` then installs exactly the locked tarballs,
each checked against the lock's integrity hash."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from forge.cms.base import Toolchain
from forge.config import get_settings
from forge.errors import ForgeError
from forge.paths import repo_root

LOCK = Path(__file__).resolve().parent / "templates" / "package-lock.json"
READY = ".forge-ready"
INSTALL_SECONDS = 900


@cache
def lock() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(LOCK.read_text(encoding="utf-8"))
    return loaded


def root_package() -> dict[str, Any]:
    """The lock's own entry for the app: the dependencies (exact versions) package.json must declare."""
    root: dict[str, Any] = lock()["packages"][""]
    return root


def cache_key() -> str:
    return hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]


def _base() -> Path:
    configured = get_settings().npm_cache
    return Path(configured) if configured else repo_root() / ".vendor" / "npm-cache"


def folder() -> Path:
    path = _base() / cache_key()
    if not (path / READY).is_file():
        raise ForgeError(
            f"the npm cache for the Shopify app's package-lock.json is not prepared at {path}: run "
            "./scripts/bootstrap.sh (or `python -m forge.cms.toolchains`)"
        )
    return path


def prepare() -> Path:
    """Fill the cache from the registry (the trusted side's network) by installing the lock once."""
    path = _base() / cache_key()
    if (path / READY).is_file():
        return path
    npm = shutil.which("npm")
    if npm is None:
        raise ForgeError("npm is not installed (Debian package 'npm'); run ./scripts/bootstrap.sh")
    root = root_package()
    manifest = {
        "name": "forge-npm-cache",
        "version": "0.0.0",
        "private": True,
        "dependencies": root.get("dependencies", {}),
        "devDependencies": root.get("devDependencies", {}),
    }
    with tempfile.TemporaryDirectory(prefix="forge-npm-") as tmp:
        (Path(tmp) / "package.json").write_text(json.dumps(manifest))
        shutil.copyfile(LOCK, Path(tmp) / "package-lock.json")
        done = subprocess.run(  # noqa: S603 - npm from PATH, fixed arguments
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--cache", str(path), "--loglevel=error"],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=INSTALL_SECONDS,
            check=False,
        )
    if done.returncode != 0:
        raise ForgeError(f"npm ci could not fill the cache at {path}: {done.stderr.strip()[-800:]}")
    (path / READY).write_text(cache_key())
    return path


def tool_env(toolchain: Path) -> Mapping[str, str]:
    """npm reads its cache from the staged copy and never asks the network; Node.js keeps its address-space
    reservations small enough for the isolated half's limit (no WebAssembly guard regions, one V8 worker thread,
    one malloc arena)."""
    return {
        "npm_config_cache": str(toolchain),
        "npm_config_offline": "true",
        "npm_config_audit": "false",
        "npm_config_fund": "false",
        "npm_config_update_notifier": "false",
        "npm_config_logs_max": "0",
        "NODE_OPTIONS": "--disable-wasm-trap-handler --v8-pool-size=1",
        "MALLOC_ARENA_MAX": "1",
    }


TOOLCHAIN = Toolchain(prepare=prepare, folder=folder, env=tool_env)
