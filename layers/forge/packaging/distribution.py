"""What ships: the one function both the pipeline's Package step and `forge package DIR` build a package with, so
the same source gives the same zip by either path (same exclusions, the same `<slug>/` root, the same bytes)."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping

from forge.packaging.bundle import Bundle, build_bundle


def distributable(tree: Mapping[str, bytes], exclude: tuple[str, ...]) -> dict[str, bytes]:
    """The files that ship: every path matching none of the platform's dist-exclude patterns (tests/,
    composer.json, phpunit.xml.dist, ...)."""
    return {p: c for p, c in tree.items() if not any(fnmatch.fnmatch(p, pat) for pat in exclude)}


def package_plugin(
    tree: Mapping[str, bytes],
    *,
    exclude: tuple[str, ...],
    slug: str,
    version: str,
    name: str,
    lockfile: str = "composer",
) -> tuple[Bundle, dict[str, bytes]]:
    """The bundle of `tree` (zip under `<slug>/`, SBOM, SHA256SUMS) and the files it ships. The SBOM also reads the
    dev files (the lock file or the dependency declarations), which may never enter the zip."""
    shipped = distributable(tree, exclude)
    bundle = build_bundle(name=name, slug=slug, version=version, shipped=shipped, source=dict(tree), lockfile=lockfile)
    return bundle, shipped
