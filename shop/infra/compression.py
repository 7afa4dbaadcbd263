"""gzip for a page that is the same for everyone but for a few holes (the cached product page and
its visitor's CSRF token): the fixed parts are compressed once, and each response only
compresses the filler and joins the pieces into one valid gzip stream.

Each part is a run of raw deflate blocks ended by a full flush (byte-aligned, no back-references
into the next part), so parts compressed apart can follow one another in one stream; the last
part closes it. The gzip trailer's CRC-32 and length are of the whole page.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no mtime, unknown OS


def deflate_parts(parts: Sequence[bytes], level: int = 6) -> list[bytes]:
    """The parts as raw deflate, each on its own; the last one ends the stream."""
    compressed = []
    for index, part in enumerate(parts):
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        last = index == len(parts) - 1
        compressed.append(compressor.compress(part) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH))
    return compressed


def gzip_joined(parts: Sequence[bytes], deflated: Sequence[bytes], filler: bytes) -> bytes:
    """gzip of `filler.join(parts)`, from `deflate_parts(parts)` and the filler compressed now."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    filler_block = compressor.compress(filler) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for index, part in enumerate(parts):
        if index:
            crc = zlib.crc32(filler, crc)
        crc = zlib.crc32(part, crc)
    size = sum(map(len, parts)) + len(filler) * (len(parts) - 1)
    trailer = struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF)
    return GZIP_HEADER + filler_block.join(deflated) + trailer


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding header allows gzip (`gzip;q=0` refuses it)."""
    for item in (accept_encoding or "").lower().split(","):
        name, _, params = item.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            quality = params.strip().removeprefix("q=")
            try:
                return not params.strip().startswith("q=") or float(quality) > 0
            except ValueError:
                return True
    return False
