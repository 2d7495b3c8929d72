"""DSSE: the PAE bytes of the specification, and envelopes that verify only untouched and with the right key."""

from __future__ import annotations

import base64
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from forge.signing.dsse import DsseEnvelope, pae, sign_envelope, verify_envelope
from forge.signing.signer import key_id


class SoftwareSigner:
    """An in-memory P-256 key: the DSSE code under test only needs something that signs like the port says."""

    backend = "software"

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())

    @property
    def key_ref(self) -> str:
        return "memory"

    def public_key_der(self) -> bytes:
        return self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def pem(self) -> bytes:
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))


def test_pae_matches_the_specification_example() -> None:
    # https://github.com/secure-systems-lab/dsse/blob/master/protocol.md, "Test vectors".
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )
    # Lengths count UTF-8 bytes, not characters.
    assert pae("t", "é".encode()) == b"DSSEv1 1 t 2 \xc3\xa9"


def test_envelope_round_trip_and_tampering() -> None:
    signer, other = SoftwareSigner(), SoftwareSigner()
    kid = key_id(signer.public_key_der())
    payload = json.dumps({"_type": "https://in-toto.io/Statement/v1"}).encode()
    envelope = sign_envelope(payload, signer, kid)
    parsed = DsseEnvelope.model_validate_json(envelope.to_json_bytes())
    assert parsed.payload_type == "application/vnd.in-toto+json"
    assert verify_envelope(parsed, {kid: signer.pem()}) == payload

    # The signature covers PAE, so the same payload under another type does not verify.
    retyped = parsed.model_copy(update={"payload_type": "text/plain"})
    assert verify_envelope(retyped, {kid: signer.pem()}) is None
    flipped = bytearray(payload)
    flipped[3] ^= 0x01
    changed = parsed.model_copy(update={"payload": base64.b64encode(bytes(flipped)).decode()})
    assert verify_envelope(changed, {kid: signer.pem()}) is None
    # Wrong key under the same id, and a key id the keyset does not hold.
    assert verify_envelope(parsed, {kid: other.pem()}) is None
    assert verify_envelope(parsed, {key_id(other.public_key_der()): other.pem()}) is None
