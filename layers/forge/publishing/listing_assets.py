"""The listing images WordPress.org reads from a plugin's assets/ folder (icon-128x128.png, icon-256x256.png,
banner-772x250.png): plain PNGs in a colour drawn from the slug, deterministic, so a re-publication commits nothing
new. An operator replaces them in the repository; the connector only adds the ones that are missing."""

from __future__ import annotations

import hashlib
import struct
import zlib

SIZES = {"icon-128x128.png": (128, 128), "icon-256x256.png": (256, 256), "banner-772x250.png": (772, 250)}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * height, 9))
        + _chunk(b"IEND", b"")
    )


def listing_assets(slug: str) -> dict[str, bytes]:
    digest = hashlib.sha256(slug.encode()).digest()
    colour = (digest[0], digest[1], digest[2])
    return {name: solid_png(w, h, colour) for name, (w, h) in SIZES.items()}
