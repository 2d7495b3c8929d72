"""The files of a published release, and the commands a merchant runs to check them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def zip_name(slug: str, version: str) -> str:
    return f"{slug}-{version}.zip"


def sha256sums(zip_file: str, sha256: str) -> bytes:
    return f"{sha256}  {zip_file}\n".encode()


def release_files(
    slug: str, version: str, zip_data: bytes, zip_sha256: str, signed: Mapping[str, bytes]
) -> dict[str, bytes]:
    name = zip_name(slug, version)
    return {name: zip_data, "SHA256SUMS": sha256sums(name, zip_sha256), **signed}


def merchant_commands(folder: Path, slug: str, version: str) -> list[str]:
    """Plain openssl and coreutils: nothing of the forge needs to be installed to run these."""
    name = zip_name(slug, version)
    return [
        f"cd {folder}",
        "openssl dgst -sha256 -verify signing-key.pem -signature manifest.json.sig manifest.json",
        f'sha256sum -c SHA256SUMS && grep -q "\\"zip_sha256\\":\\"$(sha256sum {name} | cut -d\' \' -f1)\\"" '
        "manifest.json && echo 'zip matches the signed manifest'",
        "openssl pkey -pubin -in signing-key.pem -outform DER | sha256sum   # = key_id in manifest.json",
    ]
