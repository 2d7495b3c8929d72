"""What every signer backend (forge.ports.signing.Signer) shares: key ids, DER signatures, PEM public keys."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def key_id(public_key_der: bytes) -> str:
    return hashlib.sha256(public_key_der).hexdigest()


def public_pem(public_key_der: bytes) -> str:
    key = serialization.load_der_public_key(public_key_der)
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ValueError("signing keys must be ECDSA P-256")
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def raw_to_der(raw: bytes) -> bytes:
    """PKCS#11 returns r||s (64 bytes for P-256); merchants' openssl wants ASN.1 DER."""
    if len(raw) != 64:
        raise ValueError(f"expected a 64-byte r||s signature, got {len(raw)} bytes")
    return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
