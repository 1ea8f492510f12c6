"""A plain square cover image (PNG) for podcast apps when no image is configured."""

from __future__ import annotations

import struct
import zlib

COVER_SIZE = 1400  # Apple Podcasts wants at least 1400x1400
COVER_RGB = (139, 0, 0)  # the masthead's dark red


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def solid_png(size: int = COVER_SIZE, rgb: tuple[int, int, int] = COVER_RGB) -> bytes:
    """Return a deterministic PNG of one colour, size x size pixels."""
    row = b"\x00" + bytes(rgb) * size  # filter byte 0, then RGB pixels
    pixels = zlib.compress(row * size, 9)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )
