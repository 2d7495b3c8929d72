"""SHA256SUMS in the format `sha256sum -c` reads: "<hex>  <name>" per line, names sorted."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from forge.errors import StepFailed


def sha256sums(files: Mapping[str, bytes]) -> bytes:
    lines = []
    for name in sorted(files):
        if "/" in name or "\n" in name or not name:
            raise StepFailed(f"cannot list {name!r} in SHA256SUMS: plain file names only")
        lines.append(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n")
    return "".join(lines).encode()


def parse_sha256sums(body: bytes) -> dict[str, str]:
    """{name: hex digest}; a malformed line is an error rather than silently skipped."""
    found: dict[str, str] = {}
    for number, line in enumerate(body.decode("utf-8", "replace").splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name:
            raise StepFailed(f"SHA256SUMS line {number} is not '<sha256>  <name>'")
        found[name.lstrip("*")] = digest.lower()
    return found
