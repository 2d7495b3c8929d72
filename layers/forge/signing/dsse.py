"""DSSE envelopes (https://github.com/secure-systems-lab/dsse): what in-toto attestations travel in.

The signature covers PAE(payloadType, payload), never the JSON envelope, so re-serialising the envelope
cannot change what was signed.
"""

from __future__ import annotations

import base64
import json

from pydantic import BaseModel, ConfigDict, Field

from forge.ports.signing import Signer
from forge.signing.verify import verify_signature

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"


class DsseSignature(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keyid: str
    sig: str


class DsseEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    payload: str
    payload_type: str = Field(alias="payloadType")
    signatures: list[DsseSignature] = Field(min_length=1)

    def payload_bytes(self) -> bytes:
        return base64.b64decode(self.payload, validate=True)

    def to_json_bytes(self) -> bytes:
        return (json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True) + "\n").encode()


def pae(payload_type: str, payload: bytes) -> bytes:
    """Pre-Authentication Encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal
    of the UTF-8 byte counts."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def sign_envelope(
    payload: bytes, signer: Signer, key_id: str, payload_type: str = IN_TOTO_PAYLOAD_TYPE
) -> DsseEnvelope:
    signature = signer.sign(pae(payload_type, payload))
    return DsseEnvelope(
        payload=base64.b64encode(payload).decode(),
        payload_type=payload_type,
        signatures=[DsseSignature(keyid=key_id, sig=base64.b64encode(signature).decode())],
    )


def verify_envelope(envelope: DsseEnvelope, public_keys: dict[str, bytes]) -> bytes | None:
    """The payload when one signature verifies under a key it names (key id → PEM), else None."""
    try:
        payload = envelope.payload_bytes()
    except ValueError:
        return None
    message = pae(envelope.payload_type, payload)
    for signature in envelope.signatures:
        pem = public_keys.get(signature.keyid)
        if pem is None:
            continue
        try:
            der = base64.b64decode(signature.sig, validate=True)
        except ValueError:
            continue
        if verify_signature(message, der, pem):
            return payload
    return None
