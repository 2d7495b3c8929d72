"""The files of a published release, and the commands a merchant runs to check them."""

from __future__ import annotations

from pathlib import Path

from forge.packaging.file_names import sbom_name, zip_name

__all__ = ["merchant_commands", "sbom_name", "zip_name"]

MANIFEST = "manifest.json"
MANIFEST_SIG = "manifest.json.sig"
SIGNING_KEY = "signing-key.pem"
PROVENANCE = "provenance.intoto.json"
STATEMENT = "release-statement.json"
STATEMENT_SIG = "release-statement.json.sig"
# What the sign step leaves for publish, beside the zip, SBOM and SHA256SUMS from the package step.
SIGNED_FILES = (MANIFEST, MANIFEST_SIG, SIGNING_KEY, PROVENANCE)


def merchant_commands(folder: Path, slug: str, version: str) -> list[str]:
    """Plain openssl and coreutils: nothing of the forge needs to be installed to run these (docs/verify.md)."""
    name = zip_name(slug, version)
    return [
        f"cd {folder}",
        f"openssl dgst -sha256 -verify {SIGNING_KEY} -signature {MANIFEST_SIG} {MANIFEST}",
        "sha256sum -c SHA256SUMS",
        f'grep -q "\\"zip_sha256\\":\\"$(sha256sum {name} | cut -d\' \' -f1)\\"" {MANIFEST} '
        "&& echo 'zip matches the signed manifest'",
        f"openssl pkey -pubin -in {SIGNING_KEY} -outform DER | sha256sum   # = key_id in {MANIFEST}",
        # Approval: the statement, signed by a forge key from the keyset two levels up, names this manifest.
        "openssl dgst -sha256 -verify "
        f'../../keys/$(grep -o \'"key_id":"[0-9a-f]*"\' {STATEMENT} | cut -d\'"\' -f4).pem'
        f" -signature {STATEMENT_SIG} {STATEMENT}",
        f'grep -q "\\"manifest_sha256\\":\\"$(sha256sum {MANIFEST} | cut -d\' \' -f1)\\"" {STATEMENT} '
        f'&& grep -o \'"approver_id":"[^"]*"\' {STATEMENT} | sort -u   # two or more distinct approvers',
        "# the complete check (every key's status in keys.json, revocation, approver count): docs/verify.md",
    ]
