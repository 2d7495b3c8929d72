"""Create a SoftHSM2 token through PKCS#11 (C_InitToken, then C_InitPIN as the security officer), never through
softhsm2-util, whose `--pin`/`--so-pin` arguments every local user can read in /proc/<pid>/cmdline.

Run as `python -I softhsm_token.py` (stdlib only) with {"module", "label", "pin"} as JSON on stdin, in a process of
its own: the PKCS#11 module reads SOFTHSM2_CONF once per process, so initialising here must not touch the
forge's own (possibly already initialised) module. The SO PIN is made here and forgotten: nothing needs it later.
python-pkcs11 has no C_InitToken, hence ctypes.
"""

from __future__ import annotations

import ctypes
import json
import secrets
import sys

CKR_OK = 0
CKF_TOKEN_INITIALIZED = 0x400
CKF_RW_SESSION = 0x2
CKF_SERIAL_SESSION = 0x4
CKU_SO = 0
CK_ULONG = ctypes.c_ulong


class CkVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_ubyte), ("minor", ctypes.c_ubyte)]


class CkTokenInfo(ctypes.Structure):
    _fields_ = [
        ("label", ctypes.c_char * 32),
        ("manufacturerID", ctypes.c_char * 32),
        ("model", ctypes.c_char * 16),
        ("serialNumber", ctypes.c_char * 16),
        ("flags", CK_ULONG),
        *((name, CK_ULONG) for name in ("maxSessions", "sessions", "maxRw", "rw", "maxPin", "minPin")),
        *((name, CK_ULONG) for name in ("totalPublic", "freePublic", "totalPrivate", "freePrivate")),
        ("hardwareVersion", CkVersion),
        ("firmwareVersion", CkVersion),
        ("utcTime", ctypes.c_char * 16),
    ]


class Pkcs11Error(Exception):
    pass


def _check(call: str, rv: int) -> None:
    if rv != CKR_OK:
        raise Pkcs11Error(f"{call} failed: CKR 0x{rv:08x}")


def _padded(label: str) -> bytes:
    raw = label.encode()
    if len(raw) > 32:
        raise Pkcs11Error("a token label is at most 32 bytes")
    return raw.ljust(32, b" ")


def _tokens(lib: ctypes.CDLL) -> list[tuple[int, CkTokenInfo]]:
    count = CK_ULONG(0)
    _check("C_GetSlotList", lib.C_GetSlotList(ctypes.c_ubyte(1), None, ctypes.byref(count)))
    slots = (CK_ULONG * count.value)()
    _check("C_GetSlotList", lib.C_GetSlotList(ctypes.c_ubyte(1), slots, ctypes.byref(count)))
    found = []
    for slot in slots[: count.value]:
        info = CkTokenInfo()
        _check("C_GetTokenInfo", lib.C_GetTokenInfo(CK_ULONG(slot), ctypes.byref(info)))
        found.append((int(slot), info))
    return found


def ensure_token(module: str, label: str, pin: str) -> bool:
    """Create token `label` with user PIN `pin` in the first free slot; False when it already exists."""
    lib = ctypes.CDLL(module)
    _check("C_Initialize", lib.C_Initialize(None))
    try:
        tokens = _tokens(lib)
        if any(info.flags & CKF_TOKEN_INITIALIZED and info.label == _padded(label) for _, info in tokens):
            return False
        free = next((slot for slot, info in tokens if not info.flags & CKF_TOKEN_INITIALIZED), None)
        if free is None:
            raise Pkcs11Error("no free slot to create the token in")
        so_pin = secrets.token_hex(16).encode()
        user_pin = pin.encode()
        _check("C_InitToken", lib.C_InitToken(CK_ULONG(free), so_pin, CK_ULONG(len(so_pin)), _padded(label)))
        session = CK_ULONG(0)
        flags = CK_ULONG(CKF_SERIAL_SESSION | CKF_RW_SESSION)
        _check("C_OpenSession", lib.C_OpenSession(CK_ULONG(free), flags, None, None, ctypes.byref(session)))
        try:
            _check("C_Login", lib.C_Login(session, CK_ULONG(CKU_SO), so_pin, CK_ULONG(len(so_pin))))
            _check("C_InitPIN", lib.C_InitPIN(session, user_pin, CK_ULONG(len(user_pin))))
            lib.C_Logout(session)
        finally:
            lib.C_CloseSession(session)
        return True
    finally:
        lib.C_Finalize(None)


def main() -> int:
    try:
        request = json.loads(sys.stdin.read())
        created = ensure_token(str(request["module"]), str(request["label"]), str(request["pin"]))
    except (Pkcs11Error, OSError, ValueError, KeyError) as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    sys.stdout.write("created\n" if created else "exists\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
