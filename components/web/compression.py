"""Gzip paid once: a new visitor's page, the same for everyone but its form token, is
deflated once per step and language, and each visitor's token put in uncompressed.

A deflate stream may be cut into pieces made apart, as long as each piece but the
last ends on a byte (a sync flush): so the stretches between the token's slots are
deflated once, the token goes in as a stored block (never compressed, so nothing of
it can leak through the answer's size, as BREACH reads secrets compressed beside
what a visitor typed), and a visitor's answer costs a CRC and a copy, not a
compression (bench/README.md: the page's GETs a second with and without gzip).
"""

import struct
import zlib
from dataclasses import dataclass

# What the rest is compressed at (GzipReads): on the pages and fragments measured in
# bench/README.md, level 6 gives the same bytes as Starlette's default 9 for less work.
LEVEL = 6
_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # gzip, deflate, no name or time, any system


def _deflated(text: bytes, *, last: bool) -> bytes:
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(text) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _stored(text: bytes) -> bytes:
    compressor = zlib.compressobj(0, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(text) + compressor.flush(zlib.Z_SYNC_FLUSH)


@dataclass(frozen=True)
class Precompressed:
    """A page's stretches between its slots, each as it is and deflated."""

    texts: tuple[bytes, ...]
    deflated: tuple[bytes, ...]

    @classmethod
    def of(cls, page: str, slot: str) -> "Precompressed":
        texts = tuple(stretch.encode() for stretch in page.split(slot))
        return cls(texts, tuple(_deflated(text, last=n == len(texts) - 1) for n, text in enumerate(texts)))

    def filled(self, value: str) -> bytes:
        """The page as gzip, with `value` in every slot."""
        raw = value.encode()
        parts, crc, size = [_HEADER, self.deflated[0]], zlib.crc32(self.texts[0]), len(self.texts[0])
        for text, deflated in zip(self.texts[1:], self.deflated[1:], strict=True):
            parts += [_stored(raw), deflated]
            crc, size = zlib.crc32(text, zlib.crc32(raw, crc)), size + len(raw) + len(text)
        parts.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
        return b"".join(parts)
