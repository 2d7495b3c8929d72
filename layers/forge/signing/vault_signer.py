"""HashiCorp Vault Transit signer: an `ecdsa-p256` transit key, one keyset entry per key version.

Vault hashes the input itself (hash_algorithm sha2-256) and, with marshaling_algorithm asn1, returns the
DER signature as `vault:v<version>:<base64>`: exactly what `openssl dgst -sha256 -verify` reads. The key
reference is `<name>:<version>`, so a signature made before a rotation names the version that verifies it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import hvac
import requests
from cryptography.hazmat.primitives import serialization
from hvac import exceptions as hvac_errors

from forge.errors import ForgeError, TransientError

KEY_TYPE = "ecdsa-p256"


def parse_key_ref(key_ref: str) -> tuple[str, int]:
    name, _, version = key_ref.rpartition(":")
    if not name or not version.isdigit() or int(version) < 1:
        raise ForgeError(f"Vault key reference must be '<transit key>:<version>', got {key_ref!r}")
    return name, int(version)


def _call(operation: str, fn: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    try:
        response: dict[str, Any] = fn(**kwargs)  # Vault's JSON answer
        return response
    except (hvac_errors.VaultDown, hvac_errors.InternalServerError, hvac_errors.RateLimitExceeded) as exc:
        raise TransientError(f"Vault busy during {operation}: {exc}") from exc
    except requests.ConnectionError as exc:
        raise TransientError(f"Vault unreachable during {operation}: {exc}") from exc
    except hvac_errors.Forbidden:
        raise ForgeError(f"Vault refused {operation}: the token lacks the transit policy") from None
    except hvac_errors.VaultError as exc:
        raise ForgeError(f"Vault refused {operation}: {exc}") from None


class VaultTransitSigner:
    backend = "vault"

    def __init__(self, client: hvac.Client, key_ref: str, mount_point: str = "transit") -> None:
        self._client = client
        self._key_ref = key_ref
        self._name, self._version = parse_key_ref(key_ref)
        self._mount = mount_point

    @property
    def key_ref(self) -> str:
        return self._key_ref

    def public_key_der(self) -> bytes:
        data = _call("read_key", self._client.secrets.transit.read_key, name=self._name, mount_point=self._mount)
        key = data["data"]
        if key.get("type") != KEY_TYPE:
            raise ForgeError(f"Vault transit key {self._name} is {key.get('type')}, not {KEY_TYPE}")
        version = key["keys"].get(str(self._version))
        if not version:
            raise ForgeError(f"Vault transit key {self._name} has no version {self._version}")
        public = serialization.load_pem_public_key(version["public_key"].encode())
        return public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, data: bytes) -> bytes:
        result = _call(
            "sign",
            self._client.secrets.transit.sign_data,
            name=self._name,
            mount_point=self._mount,
            hash_input=base64.b64encode(data).decode(),
            key_version=self._version,
            hash_algorithm="sha2-256",
            marshaling_algorithm="asn1",
        )
        prefix, version, encoded = str(result["data"]["signature"]).split(":", 2)
        if prefix != "vault" or version != f"v{self._version}":
            raise ForgeError(f"Vault signed with {prefix}:{version}, expected vault:v{self._version}")
        return base64.b64decode(encoded)


def latest_key_ref(client: hvac.Client, name: str, mount_point: str = "transit", create: bool = False) -> str:
    """`<name>:<latest version>`, creating the transit key first when `create` and it does not exist."""
    try:
        data = client.secrets.transit.read_key(name=name, mount_point=mount_point)
    except hvac_errors.InvalidPath:
        if not create:
            raise ForgeError(f"Vault transit key {name} does not exist") from None
        _call("create_key", client.secrets.transit.create_key, name=name, key_type=KEY_TYPE, mount_point=mount_point)
        data = _call("read_key", client.secrets.transit.read_key, name=name, mount_point=mount_point)
    return f"{name}:{data['data']['latest_version']}"


def rotate(client: hvac.Client, name: str, mount_point: str = "transit") -> str:
    """Vault rotates in place: a new version signs from now on, older versions still verify."""
    _call("rotate_key", client.secrets.transit.rotate_key, name=name, mount_point=mount_point)
    return latest_key_ref(client, name, mount_point)
