"""Enrolment and verification of approvers' TOTP codes, with a lockout against guessing.

Six digits with one step of drift either side leave an unlimited guesser ~1 in 333 000 per try: minutes at API
speed. So each attempt is charged before its code is checked; LOCKOUT.max_failures failed codes within
LOCKOUT.window lock the approver until an admin unlocks them (`forge approver unlock NAME`). No time-based
unlock: a payments company wants a person to look at a guessing attack before the approver may try again, and a
lock that lifted itself would give a patient attacker max_failures guesses per window forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from forge.auth import totp
from forge.auth.secret_box import SecretBox
from forge.errors import Forbidden
from forge.observability import emit_metric, logger


class MfaRefused(Forbidden):
    """No enrolment, a deactivated approver, a wrong code, or a code already used."""


class ApproverLocked(MfaRefused):
    """Too many failed codes: refused, even the right code, until an admin unlocks the approver."""


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)

    @property
    def lock_reason(self) -> str:
        return f"{self.max_failures} failed MFA codes within {int(self.window.total_seconds() // 60)} min"


LOCKOUT = LockoutPolicy()


class SealedSeed(Protocol):
    @property
    def sealed_seed(self) -> bytes: ...


class ChargedAttempt(Protocol):
    @property
    def number(self) -> int: ...
    @property
    def locked_now(self) -> bool: ...


class Standing(Protocol):
    @property
    def locked(self) -> bool: ...
    @property
    def active(self) -> bool: ...


class ApproverStore(Protocol):
    def enroll(self, name: str, sealed_seed: bytes, enrolled_by: str, replace: bool) -> None: ...
    def get(self, name: str) -> SealedSeed | None: ...
    def charge_attempt(
        self, name: str, window: timedelta, max_failures: int, lock_reason: str, source_ip: str | None
    ) -> ChargedAttempt | None: ...
    def use_step(self, name: str, step: int) -> bool: ...
    def record_failure(
        self, name: str, reason: str, attempt: int, source_ip: str | None, lock_reason: str | None
    ) -> bool: ...
    def status(self, name: str) -> Standing | None: ...


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


def locked_message(name: str, policy: LockoutPolicy = LOCKOUT) -> str:
    return f"{name} is locked after {policy.lock_reason}; an admin must unlock it: forge approver unlock {name}"


def verify(
    store: ApproverStore,
    box: SecretBox,
    name: str,
    code: str,
    now: float | None = None,
    *,
    source_ip: str | None = None,
    policy: LockoutPolicy = LOCKOUT,
) -> None:
    """Accept a code once: it must match a step within the drift window newer than any step used before, and the
    approver must be enrolled, active and not locked. Every attempt is charged before the code is checked."""
    enrolled = store.get(name)
    if enrolled is None:
        raise _not_enrolled(name)
    # Opened before the attempt is charged: a seed this deployment cannot open (a wrong MFA key) is not the
    # approver's failure and must not lock them out.
    seed = box.open(seed_name(name), enrolled.sealed_seed).decode()
    attempt = store.charge_attempt(name, policy.window, policy.max_failures, policy.lock_reason, source_ip)
    if attempt is None:
        raise _refusal(store, name, policy)
    if attempt.locked_now:
        _locked(name, attempt.number, source_ip)
        raise ApproverLocked(locked_message(name, policy))
    step = totp.matching_step(seed, code, now)
    if step is not None and store.use_step(name, step):
        return
    reason = "the MFA code is not valid" if step is None else "the MFA code was already used; wait for the next one"
    last = attempt.number >= policy.max_failures
    locked_now = store.record_failure(name, reason, attempt.number, source_ip, policy.lock_reason if last else None)
    emit_metric("forge_mfa_failures_total", 1)
    if locked_now:
        _locked(name, attempt.number, source_ip)
    if last:
        raise ApproverLocked(f"{reason}; {locked_message(name, policy)}")
    left = policy.max_failures - attempt.number
    raise MfaRefused(f"{reason} ({left} more failed code{'s' if left != 1 else ''} and an admin must unlock {name})")


def _not_enrolled(name: str) -> MfaRefused:
    return MfaRefused(f"{name} has no MFA enrolled; an admin runs `forge approver enroll {name}`")


def _refusal(store: ApproverStore, name: str, policy: LockoutPolicy) -> MfaRefused:
    standing = store.status(name)
    if standing is None:
        return _not_enrolled(name)
    if not standing.active:
        return MfaRefused(
            f"{name} is deactivated and cannot approve; an admin re-enrols them: forge approver enroll {name} --replace"
        )
    return ApproverLocked(locked_message(name, policy))


def _locked(name: str, attempt: int, source_ip: str | None) -> None:
    emit_metric("forge_mfa_lockouts_total", 1)
    logger.warning(
        "approver locked after failed MFA codes", extra={"approver": name, "attempt": attempt, "source_ip": source_ip}
    )
