"""The bundle's SHA256SUMS is what coreutils' `sha256sum -c` accepts, and refuses once a byte changes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from forge.packaging.checksums import parse_sha256sums
from forge.signing.verify import sha256_hex
from tests.demo_bundle import bundle


def test_sha256sums_is_what_sha256sum_checks(tmp_path: Path) -> None:
    made = bundle()
    for name, data in made.files().items():
        (tmp_path / name).write_bytes(data)
    done = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert parse_sha256sums(made.checksums) == {
        "demo-1.4.2.zip": made.zip_sha256,
        "demo-1.4.2.cdx.json": sha256_hex(made.sbom),
    }
    zip_path = tmp_path / "demo-1.4.2.zip"
    data = bytearray(zip_path.read_bytes())
    data[10] ^= 0x01
    zip_path.write_bytes(bytes(data))
    assert subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True).returncode != 0
