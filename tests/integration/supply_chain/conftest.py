"""Helpers for the supply-chain tests: the openssl CLI, as a merchant runs it."""

from __future__ import annotations

import subprocess
from pathlib import Path


def openssl_verifies(folder: Path, data: bytes, signature: bytes, public_pem: bytes) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data").write_bytes(data)
    (folder / "data.sig").write_bytes(signature)
    (folder / "key.pem").write_bytes(public_pem)
    done = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", "key.pem", "-signature", "data.sig", "data"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    return done.returncode == 0 and "Verified OK" in done.stdout


def openssl_key_id(public_pem: bytes) -> str:
    """sha256 of the DER public key, the way docs/verify.md computes it."""
    der = subprocess.run(
        ["openssl", "pkey", "-pubin", "-outform", "DER"], input=public_pem, capture_output=True, check=True
    ).stdout
    return subprocess.run(["sha256sum"], input=der, capture_output=True, check=True).stdout.split()[0].decode()
