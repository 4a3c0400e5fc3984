"""The app's two icons, drawn in pure Python (zlib + struct) so the package needs no image library.

Teams wants `color.png` 192×192 (full colour) and `outline.png` 32×32 (white on transparent). The
motif is a light bulb: an idea. Shipped copies live in assets/; an operator may replace them.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

Pixel = tuple[int, int, int, int]
ACCENT = (0x1F, 0x6F, 0x8B)  # also the manifest's accentColor
WHITE: Pixel = (255, 255, 255, 255)
CLEAR: Pixel = (0, 0, 0, 0)


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An RGBA PNG, one filter byte (0) per row."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def _bulb(x: float, y: float) -> bool:
    """A bulb in a unit square: a round glass and a screw base below it."""
    glass = (x - 0.5) ** 2 + (y - 0.40) ** 2 <= 0.24**2
    neck = 0.40 <= x <= 0.60 and 0.58 <= y <= 0.70
    base = 0.42 <= x <= 0.58 and 0.70 < y <= 0.80 and int((y - 0.70) * 40) % 2 == 0
    return glass or neck or base


def color_icon(size: int = 192) -> bytes:
    def pixel(x: int, y: int) -> Pixel:
        return WHITE if _bulb((x + 0.5) / size, (y + 0.5) / size) else (*ACCENT, 255)

    return png(size, size, pixel)


def outline_icon(size: int = 32) -> bytes:
    def pixel(x: int, y: int) -> Pixel:
        return WHITE if _bulb((x + 0.5) / size, (y + 0.5) / size) else CLEAR

    return png(size, size, pixel)
