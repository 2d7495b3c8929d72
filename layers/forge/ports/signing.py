"""The signer: an ECDSA P-256 key held by an HSM (PKCS#11: SoftHSM locally, CloudHSM), KMS or Vault Transit.
The private key never leaves it; forge.signing.backends builds one for a keyset entry."""

from __future__ import annotations

from typing import Protocol


class Signer(Protocol):
    backend: str

    @property
    def key_ref(self) -> str:
        """How the backend names the key (PKCS#11 label, KMS key ARN)."""
        ...

    def public_key_der(self) -> bytes:
        """SubjectPublicKeyInfo, DER."""
        ...

    def sign(self, data: bytes) -> bytes:
        """ECDSA P-256 over SHA-256(data), DER-encoded (what `openssl dgst -verify` reads)."""
        ...
