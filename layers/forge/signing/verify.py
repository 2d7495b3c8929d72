"""Signature and checksum verification, the forge-side twin of the openssl commands merchants run."""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec


def verify_signature(data: bytes, signature_der: bytes, public_key_pem: bytes) -> bool:
    try:
        key = serialization.load_pem_public_key(public_key_pem)
    except ValueError:
        return False
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    try:
        key.verify(signature_der, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
