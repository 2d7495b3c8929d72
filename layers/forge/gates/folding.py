"""Pure string built-ins evaluated statically, so that a name spelled `strrev( 'metsys' )`, `chr( 115 ) . …`,
`str_replace( '~', '', 'sy~st~em' )` or `"…" ^ '…'` is read as what it becomes. Values are text; bytes map 1:1
through latin-1 so that decoders and XOR work on binary strings too.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import zlib
from collections.abc import Callable
from urllib.parse import unquote, unquote_to_bytes

# A folded value longer than this is data, not a name or a path: stop there.
MAX_FOLDED = 4096
Value = str | int | list[str]


def _b(value: str) -> bytes:
    return value.encode("latin-1", errors="replace")


def _s(value: bytes) -> str:
    return value.decode("latin-1")


def _base64(value: str) -> str:
    return _s(base64.b64decode(_b(value) + b"=" * (-len(value) % 4), validate=False))


def _inflate(value: str) -> str:
    return _s(zlib.decompress(_b(value), -15))


def _trim(chars: str | None = None) -> Callable[..., str]:
    def fold(value: str, strip: str = " \t\n\r\0\x0b") -> str:
        return {"both": value.strip, "left": value.lstrip, "right": value.rstrip}[chars or "both"](strip)

    return fold


def _replace(search: Value, replace: Value, subject: str) -> str:
    searches = search if isinstance(search, list) else [str(search)]
    replaces = replace if isinstance(replace, list) else [str(replace)] * len(searches)
    for index, needle in enumerate(searches):
        if needle:
            subject = subject.replace(needle, replaces[index] if index < len(replaces) else "")
    return subject


def _implode(glue: Value, pieces: Value | None = None) -> str:
    if pieces is None:  # implode( $pieces )
        glue, pieces = "", glue
    return str(glue).join(pieces if isinstance(pieces, list) else [str(pieces)])


def _sprintf(fmt: str, *args: Value) -> str:
    """Only `%s`, `%d`, `%c` and `%%`: enough for names assembled from pieces or character codes."""
    conversions: dict[str, Callable[[Value], str]] = {
        "s": str,
        "d": lambda a: str(int(str(a))),
        "c": lambda a: chr(int(str(a)) % 256),
    }
    pieces = re.split(r"%([sdc%])", fmt)
    out, used = [pieces[0]], 0
    for conversion, literal in zip(pieces[1::2], pieces[2::2], strict=True):
        if conversion == "%":
            out.append("%")
        else:
            out.append(conversions[conversion](args[used]))
            used += 1
        out.append(literal)
    if used != len(args) or "%" in "".join(pieces[0::2]):
        raise ValueError(fmt)
    return "".join(out)


def _substr(value: str, start: int, length: int | None = None) -> str:
    tail = value[start:]
    return tail if length is None else tail[:length]  # a negative length drops that many from the end, as in PHP


def _pack(fmt: str, *args: Value) -> str:
    """pack() with the formats names are hidden in: H* (hex), C* / c* (bytes), a* / A* (a string)."""
    if fmt in ("H*", "h*") and len(args) == 1:
        digits = str(args[0])
        if fmt == "h*":  # low nibble first
            digits = "".join(digits[i + 1 : i + 2] + digits[i] for i in range(0, len(digits), 2))
        return _s(binascii.unhexlify(digits))
    codes = [a for a in args if isinstance(a, int)]
    if fmt.rstrip("*").lower() == "c" and len(codes) == len(args):
        return "".join(chr(code % 256) for code in codes)
    if fmt in ("a*", "A*") and len(args) == 1:
        return str(args[0])
    raise ValueError(fmt)


def _map(callback: Value, items: Value) -> list[str]:
    """array_map() of a foldable built-in over a list: array_map( 'chr', [ 115, … ] )."""
    fold = FUNCTIONS.get(str(callback).lower()) if isinstance(callback, str) else None
    if fold is None or not isinstance(items, list):
        raise ValueError(callback)
    return [fold(item) for item in items]


def _split(value: str, length: int = 1) -> list[str]:
    return [value[i : i + int(length)] for i in range(0, len(value), int(length))] if int(length) > 0 else []


FUNCTIONS: dict[str, Callable[..., str]] = {
    "strrev": lambda v: v[::-1],
    "str_rot13": lambda v: codecs.encode(v, "rot13"),
    "base64_decode": _base64,
    "hex2bin": lambda v: _s(binascii.unhexlify(v)),
    "gzinflate": _inflate,
    "gzuncompress": lambda v: _s(zlib.decompress(_b(v))),
    "gzdecode": lambda v: _s(zlib.decompress(_b(v), 31)),
    "urldecode": lambda v: unquote(v.replace("+", " "), encoding="latin-1"),
    "rawurldecode": lambda v: _s(unquote_to_bytes(v)),
    "strtolower": str.lower,
    "strtoupper": str.upper,
    "ucfirst": lambda v: v[:1].upper() + v[1:],
    "lcfirst": lambda v: v[:1].lower() + v[1:],
    "trim": _trim(),
    "ltrim": _trim("left"),
    "rtrim": _trim("right"),
    "chr": lambda n: chr(int(n) % 256),
    "strval": str,
    "str_replace": _replace,
    "str_ireplace": _replace,
    "implode": _implode,
    "join": _implode,
    "substr": _substr,
    "str_repeat": lambda v, n: v * int(n) if int(n) * len(v) <= MAX_FOLDED else "",
    "sprintf": _sprintf,
    "ucwords": lambda v: " ".join(w[:1].upper() + w[1:] for w in v.split(" ")),
    "pack": _pack,
}
# Built-ins returning a list of strings, for implode() and str_replace() to fold further.
LIST_FUNCTIONS: dict[str, Callable[..., list[str]]] = {
    "array_map": _map,
    "array_reverse": lambda items: list(reversed(items)),
    "str_split": _split,
    "explode": lambda separator, value: str(value).split(str(separator)) if separator else [],
}


def fold_call(name: str, args: list[Value]) -> Value | None:
    """The result of a pure built-in on statically known arguments, else None."""
    fold = FUNCTIONS.get(name) or LIST_FUNCTIONS.get(name)
    if fold is None:
        return None
    try:
        result = fold(*args)
    except (ValueError, TypeError, IndexError, KeyError, binascii.Error, zlib.error, UnicodeError):
        return None
    if isinstance(result, list):
        return [str(r) for r in result] if sum(len(str(r)) for r in result) <= MAX_FOLDED else None
    return result if len(result) <= MAX_FOLDED else None


def xor(left: str, right: str) -> str:
    """PHP's `^` on two strings: byte by byte, as long as the shorter one."""
    return "".join(chr(ord(a) ^ ord(b)) for a, b in zip(left, right, strict=False))


def integer(literal: str) -> int | None:
    """A PHP integer literal: 115, 0x73, 0163, 0o163, 0b1110011, 1_000."""
    cleaned = literal.replace("_", "").lower()
    try:
        if cleaned.startswith(("0x", "0b", "0o")):
            return int(cleaned, 0)
        if len(cleaned) > 1 and cleaned.startswith("0"):
            return int(cleaned, 8)
        return int(cleaned)
    except ValueError:
        return None
