"""PKCS#11 signer: CloudHSM in AWS, SoftHSM2 locally; the same code path for both.

The token hashes nothing: we hash with SHA-256 and ask for CKM_ECDSA over the digest, which every
HSM supports (SoftHSM2 has no CKM_ECDSA_SHA256).
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.types import PublicKey, Session, SignMixin
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

from forge.errors import ForgeError, TransientError
from forge.signing.signer import raw_to_der

if TYPE_CHECKING:
    from pkcs11._pkcs11 import lib as Pkcs11Library  # what pkcs11.lib() returns; the package names it so too

# python-pkcs11 sessions are not safe to share across threads; the local runtime serves many.
_lock = threading.Lock()
# The token is not there, or the device stopped answering (a CloudHSM cluster unreachable, SoftHSM's token folder
# gone: it answers CKR_GENERAL_ERROR): worth retrying, unlike a wrong PIN or a missing key.
_UNAVAILABLE = (
    pkcs11.exceptions.NoSuchToken,
    pkcs11.exceptions.TokenNotPresent,
    pkcs11.exceptions.TokenNotRecognised,
    pkcs11.exceptions.SlotIDInvalid,
    pkcs11.exceptions.DeviceError,
    pkcs11.exceptions.DeviceRemoved,
    pkcs11.exceptions.GeneralError,
)
# Modules that failed as unavailable: SoftHSM2 reads its token folder when the module initialises and keeps what it
# read, so a token that comes back stays unusable to this process until the module is initialised again. The next
# use re-initialises first (C_Finalize, C_Initialize), so `forge retry` finds the token without a restart; a module
# that answered is left alone. Guarded by _lock, like every session.
_stale_modules: set[str] = set()


@lru_cache(maxsize=4)
def _library(module_path: str) -> Pkcs11Library:
    """The module, loaded and initialised once. A module that cannot initialise because its device is unreachable
    (SoftHSM2 with its token folder gone answers CKR_GENERAL_ERROR) raises the unavailable error as it is, which
    callers retry; a failure is not cached, so the next use loads the module again."""
    try:
        return pkcs11.lib(module_path)
    except _UNAVAILABLE:
        raise
    except (OSError, RuntimeError) as exc:
        raise ForgeError(f"cannot load PKCS#11 module {module_path}: {exc}") from exc


class Pkcs11Signer:
    backend = "pkcs11"

    def __init__(self, module_path: str, token_label: str, pin: str, key_label: str) -> None:
        self.module_path = module_path
        self.token_label = token_label
        self.pin = pin
        self.key_label = key_label

    @property
    def key_ref(self) -> str:
        return self.key_label

    def _session(self) -> Session:
        """A logged-in session; the caller holds _lock."""
        try:
            library = _library(self.module_path)
            if self.module_path in _stale_modules:
                self._reinitialize(library)
            token = library.get_token(token_label=self.token_label)
            return token.open(user_pin=self.pin, rw=True)
        except pkcs11.exceptions.PinIncorrect:
            raise ForgeError(f"wrong PIN for PKCS#11 token '{self.token_label}'") from None
        except _UNAVAILABLE as exc:
            raise self._unavailable(exc) from exc

    def _reinitialize(self, library: Pkcs11Library) -> None:
        try:
            library.reinitialize()
        except pkcs11.exceptions.PKCS11Error as exc:  # still stale: the next use tries again
            raise self._unavailable(exc) from exc
        _stale_modules.discard(self.module_path)

    def _unavailable(self, exc: Exception) -> TransientError:
        _stale_modules.add(self.module_path)
        return TransientError(
            f"HSM unavailable: PKCS#11 token '{self.token_label}' in {self.module_path} cannot be used now "
            f"({type(exc).__name__}); Sign retries, and `forge retry` resumes at Sign once the HSM answers"
        )

    def generate(self) -> bytes:
        """Create the P-256 key pair under `key_label` (private key never extractable); return its public DER."""
        with _lock, self._session() as session:
            params = session.create_domain_parameters(
                KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True
            )
            public, _private = params.generate_keypair(
                store=True,
                label=self.key_label,
                private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False},
            )
            return encode_ec_public_key(public)

    def public_key_der(self) -> bytes:
        with _lock, self._session() as session:
            try:
                public = session.get_key(object_class=ObjectClass.PUBLIC_KEY, label=self.key_label)
            except pkcs11.exceptions.NoSuchKey:
                raise ForgeError(f"no key '{self.key_label}' on token '{self.token_label}'") from None
            if not isinstance(public, PublicKey):
                raise ForgeError(f"'{self.key_label}' on token '{self.token_label}' is not a public key")
            return encode_ec_public_key(public)

    def sign(self, data: bytes) -> bytes:
        digest = hashlib.sha256(data).digest()
        with _lock, self._session() as session:
            try:
                private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=self.key_label)
            except pkcs11.exceptions.NoSuchKey:
                raise ForgeError(f"no key '{self.key_label}' on token '{self.token_label}'") from None
            except _UNAVAILABLE as exc:  # the token went away after the session opened
                raise self._unavailable(exc) from exc
            if not isinstance(private, SignMixin):  # a key made without CKA_SIGN
                raise ForgeError(f"key '{self.key_label}' on token '{self.token_label}' may not sign")
            try:
                return raw_to_der(private.sign(digest, mechanism=Mechanism.ECDSA))
            except _UNAVAILABLE as exc:
                raise self._unavailable(exc) from exc
