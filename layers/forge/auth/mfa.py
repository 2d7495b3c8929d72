"""Enrolment and verification of approvers' TOTP codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from forge.auth import totp
from forge.auth.secret_box import SecretBox
from forge.errors import Forbidden


class MfaRefused(Forbidden):
    """No enrolment, a wrong code, or a code already used."""


class SealedSeed(Protocol):
    @property
    def sealed_seed(self) -> bytes: ...


class ApproverStore(Protocol):
    def enroll(self, name: str, sealed_seed: bytes, enrolled_by: str, replace: bool) -> None: ...
    def get(self, name: str) -> SealedSeed | None: ...
    def use_step(self, name: str, step: int) -> bool: ...


def seed_name(approver: str) -> str:
    return f"mfa_seed/{approver}"


@dataclass(frozen=True)
class Enrolment:
    name: str
    seed: str
    otpauth_uri: str


def enroll(store: ApproverStore, box: SecretBox, name: str, enrolled_by: str, replace: bool = False) -> Enrolment:
    """A new seed for `name`, stored sealed; the plaintext leaves only in the returned enrolment."""
    seed = totp.new_seed()
    store.enroll(name, box.seal(seed_name(name), seed.encode()), enrolled_by, replace)
    return Enrolment(name, seed, totp.provisioning_uri(seed, name))


def verify(store: ApproverStore, box: SecretBox, name: str, code: str, now: float | None = None) -> None:
    """Accept a code once: it must match a step within the drift window newer than any step used before."""
    enrolled = store.get(name)
    if enrolled is None:
        raise MfaRefused(f"{name} has no MFA enrolled; an admin runs `forge approver enroll {name}`")
    seed = box.open(seed_name(name), enrolled.sealed_seed).decode()
    step = totp.matching_step(seed, code, now)
    if step is None:
        raise MfaRefused("the MFA code is not valid")
    if not store.use_step(name, step):
        raise MfaRefused("the MFA code was already used; wait for the next one")
