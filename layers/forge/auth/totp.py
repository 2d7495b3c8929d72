"""TOTP (RFC 6238): 6 digits, 30-second steps, SHA-1 (what every authenticator app speaks)."""

from __future__ import annotations

import hmac
import time

import pyotp

STEP_SECONDS = 30
DIGITS = 6
ISSUER = "Plugin Forge"
# One step either side absorbs clock drift between the approver's phone and the server (RFC 6238 5.2).
DRIFT_STEPS = 1


def new_seed() -> str:
    """160 random bits, base32: the size RFC 4226 recommends."""
    return pyotp.random_base32(32)


def provisioning_uri(seed: str, approver: str) -> str:
    return pyotp.TOTP(seed, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=approver, issuer_name=ISSUER)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def code_at_step(seed: str, step: int) -> str:
    return pyotp.TOTP(seed, digits=DIGITS, interval=STEP_SECONDS).at(step * STEP_SECONDS)


def matching_step(seed: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code this is, within the drift window; None when it matches none."""
    base = current_step(now)
    found = None
    for step in range(base - DRIFT_STEPS, base + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_at_step(seed, step), code):  # compare every step: constant work
            found = step if found is None else found
    return found
