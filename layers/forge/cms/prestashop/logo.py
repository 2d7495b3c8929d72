"""logo.png, which PrestaShop shows in the module list: a deterministic PNG rendered here (no image library), a
rounded badge in a colour taken from the brand, with a white card shape. Same brand, same bytes."""

from __future__ import annotations

import hashlib
import struct
import zlib

SIZE = 64


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _colour(brand: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(brand.encode("utf-8")).digest()
    # Dark enough for the white card to show: each channel in 30..150.
    return (30 + digest[0] % 120, 30 + digest[1] % 120, 30 + digest[2] % 120)


def _pixel(x: int, y: int, colour: tuple[int, int, int]) -> bytes:
    radius, last = 12, SIZE - 1
    cx = min(max(x, radius), last - radius)
    cy = min(max(y, radius), last - radius)
    if (x - cx) ** 2 + (y - cy) ** 2 > radius * radius:
        return b"\x00\x00\x00\x00"  # transparent outside the rounded square
    if 14 <= x <= 49 and 20 <= y <= 43:
        stripe = 26 <= y <= 30
        return bytes((*colour, 255)) if stripe else b"\xff\xff\xff\xff"
    return bytes((*colour, 255))


def render(brand: str) -> bytes:
    colour = _colour(brand)
    rows = b"".join(b"\x00" + b"".join(_pixel(x, y, colour) for x in range(SIZE)) for y in range(SIZE))
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 9)) + _chunk(b"IEND", b"")
    )
