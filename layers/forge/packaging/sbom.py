"""A CycloneDX 1.6 SBOM for a package: the plugin itself (with the zip's hash), every shipped file, and the
dependencies the source declares or locks (composer's for PHP plugins, npm's package-lock.json for Node apps: the
platform says which, Platform.lockfile).

Byte-reproducible like the zip: the serial number derives from the zip's sha256 and the timestamp is the one
passed in (the manifest's issued time in the pipeline, the fixed zip time for `forge package`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from cyclonedx.model import HashAlgorithm, HashType
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentScope, ComponentType
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from forge.errors import StepFailed

# Platform requirements composer resolves against the PHP runtime, not packages.
_PLATFORM_PACKAGES = ("php", "php-64bit", "hhvm", "composer", "composer-plugin-api", "composer-runtime-api")
_SERIAL_NAMESPACE = uuid.UUID("6f1b7a7e-6f2d-4d1e-9a54-0c1f6d1b9a01")


def _json(tree: Mapping[str, bytes], name: str) -> dict[str, Any] | None:
    if name not in tree:
        return None
    try:
        parsed = json.loads(tree[name])
    except ValueError as exc:
        raise StepFailed(f"{name} is not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise StepFailed(f"{name} is not a JSON object")
    return parsed


def _is_platform(name: str) -> bool:
    return name in _PLATFORM_PACKAGES or name.startswith(("ext-", "lib-")) or "/" not in name


def _purl(name: str, version: str | None) -> PackageURL:
    namespace, _, short = name.partition("/")
    return PackageURL(type="composer", namespace=namespace, name=short, version=version)


def composer_components(source: Mapping[str, bytes]) -> list[Component]:
    """Locked packages (exact versions, dist sha1 when composer recorded one) or, with no lock file, the
    declared requirements with their constraints."""
    lock = _json(source, "composer.lock")
    found: list[Component] = []
    if lock is not None:
        for scope, key in ((ComponentScope.REQUIRED, "packages"), (ComponentScope.OPTIONAL, "packages-dev")):
            for pkg in lock.get(key) or []:
                name, version = str(pkg.get("name", "")), str(pkg.get("version", ""))
                if not name or _is_platform(name):
                    continue
                shasum = str((pkg.get("dist") or {}).get("shasum") or "")
                found.append(
                    Component(
                        name=name,
                        version=version,
                        type=ComponentType.LIBRARY,
                        scope=scope,
                        bom_ref=f"composer:{name}@{version}",
                        purl=_purl(name, version),
                        hashes=[HashType(alg=HashAlgorithm.SHA_1, content=shasum)] if shasum else None,
                    )
                )
        return found
    manifest = _json(source, "composer.json") or {}
    for scope, key in ((ComponentScope.REQUIRED, "require"), (ComponentScope.OPTIONAL, "require-dev")):
        for name, constraint in sorted((manifest.get(key) or {}).items()):
            if _is_platform(name):
                continue
            found.append(
                Component(
                    name=name,
                    version=str(constraint),
                    type=ComponentType.LIBRARY,
                    scope=scope,
                    bom_ref=f"composer:{name}",
                    purl=_purl(name, None),
                )
            )
    return found


def _npm_name(path: str) -> str:
    return path.rsplit("node_modules/", 1)[-1]


def _npm_purl(name: str, version: str) -> PackageURL:
    namespace, _, short = name.rpartition("/")
    return PackageURL(type="npm", namespace=namespace or None, name=short, version=version)


def _npm_hash(integrity: str) -> list[HashType] | None:
    """npm's `integrity` (Subresource Integrity: "sha512-<base64>") as a CycloneDX hash."""
    algorithm, _, digest = integrity.partition("-")
    known = {"sha512": HashAlgorithm.SHA_512, "sha384": HashAlgorithm.SHA_384, "sha256": HashAlgorithm.SHA_256}
    if algorithm not in known or not digest:
        return None
    try:
        content = base64.b64decode(digest, validate=True).hex()
    except ValueError:
        return None
    return [HashType(alg=known[algorithm], content=content)]


def npm_components(source: Mapping[str, bytes]) -> list[Component]:
    """Every package package-lock.json (lockfileVersion 2 or 3) installs, at its locked version and with its
    integrity hash; dev dependencies are optional-scope (the build and tests use them, the running app does not)."""
    lock = _json(source, "package-lock.json")
    if lock is None:
        return []
    found: dict[str, Component] = {}
    for path, pkg in sorted((lock.get("packages") or {}).items()):
        if not path or not isinstance(pkg, dict) or pkg.get("link"):
            continue
        name, version = str(pkg.get("name") or _npm_name(path)), str(pkg.get("version", ""))
        ref = f"npm:{name}@{version}"
        if not version or ref in found:
            continue
        found[ref] = Component(
            name=name,
            version=version,
            type=ComponentType.LIBRARY,
            scope=ComponentScope.OPTIONAL if pkg.get("dev") else ComponentScope.REQUIRED,
            bom_ref=ref,
            purl=_npm_purl(name, version),
            hashes=_npm_hash(str(pkg.get("integrity") or "")),
        )
    return list(found.values())


LOCK_READERS: Mapping[str, Callable[[Mapping[str, bytes]], list[Component]]] = {
    "composer": composer_components,
    "npm": npm_components,
}


def build_sbom(
    *,
    name: str,
    slug: str,
    version: str,
    zip_sha256: str,
    shipped: Mapping[str, bytes],
    source: Mapping[str, bytes],
    timestamp: datetime,
    lockfile: str = "composer",
) -> bytes:
    plugin = Component(
        name=slug,
        version=version,
        type=ComponentType.APPLICATION,
        description=name,
        bom_ref=f"plugin:{slug}@{version}",
        purl=PackageURL(type="generic", name=slug, version=version),
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=zip_sha256)],
    )
    for path in sorted(shipped):
        plugin.components.add(
            Component(
                name=f"{slug}/{path}",
                type=ComponentType.FILE,
                bom_ref=f"file:{slug}/{path}",
                hashes=[HashType(alg=HashAlgorithm.SHA_256, content=hashlib.sha256(shipped[path]).hexdigest())],
            )
        )
    bom = Bom(serial_number=uuid.uuid5(_SERIAL_NAMESPACE, zip_sha256))
    bom.metadata.timestamp = timestamp
    bom.metadata.component = plugin
    dependencies = LOCK_READERS[lockfile](source)
    for dep in dependencies:
        bom.components.add(dep)
    bom.register_dependency(plugin, dependencies)
    return (JsonV1Dot6(bom).output_as_string(indent=2) + "\n").encode()
