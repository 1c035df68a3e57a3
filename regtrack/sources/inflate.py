"""Decompressing what a server sends, with a ceiling on every byte count.

A lore answer can be compressed twice: ``Content-Encoding: gzip`` over a
``t.mbox.gz`` that is gzip itself.  Each layer can multiply its input a
thousandfold, so a 3.4 KB answer once inflated to 4.2 GB in memory.  Here
every layer decompresses in steps of at most :data:`STEP` bytes and the
caller counts what comes out, so a bomb is stopped at the ceiling, not
after it has filled memory.

The ceilings (see the README, "Talking to lore"):

- :data:`MAX_COMPRESSED` (64 MiB): bytes read off the wire for one answer.
  The largest lore threads (thousands of messages) are a few MiB as gzip.
- :data:`MAX_INFLATED` (512 MiB): bytes after every layer is undone; eight
  times the compressed ceiling, well above any real thread.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

MAX_COMPRESSED = 64 * 1024 * 1024
MAX_INFLATED = 512 * 1024 * 1024
STEP = 256 * 1024  # most bytes one decompression step may produce

GZIP_MAGIC = b"\x1f\x8b"
_ZLIB_OR_GZIP = zlib.MAX_WBITS | 32  # zlib picks the header it finds


class CorruptData(Exception):
    """A compressed layer is cut off or damaged (worth another download)."""


class UnknownEncoding(Exception):
    """A Content-Encoding this client never asked for."""


def decode_content(chunks: Iterable[bytes], content_encoding: str) -> Iterator[bytes]:
    """Undo the ``Content-Encoding`` layers (gzip, deflate, identity), last applied first."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    stream: Iterable[bytes] = chunks
    for coding in reversed(codings):
        if coding in {"gzip", "x-gzip", "deflate"}:
            stream = inflate(stream)
        elif coding != "identity":
            raise UnknownEncoding(coding)
    return iter(stream)


def gunzip_if_gzip(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Inflate a stream that starts with the gzip magic; pass any other through.

    A ``.gz`` answer arrives still compressed from the server, but a proxy
    may have decoded it already.
    """
    iterator = iter(chunks)
    head = b""
    for chunk in iterator:
        head += chunk
        if len(head) >= len(GZIP_MAGIC):
            break
    if head.startswith(GZIP_MAGIC):
        yield from inflate(_prepend(head, iterator))
    else:
        yield from _prepend(head, iterator)


def inflate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Inflate gzip (every member, as ``gzip`` does) or zlib data in bounded steps.

    Raises :class:`CorruptData` when the data is damaged or ends before the
    compressed stream does.
    """
    decompressor = zlib.decompressobj(_ZLIB_OR_GZIP)
    started = False
    for chunk in chunks:
        data = chunk
        while data:
            started = True
            try:
                out = decompressor.decompress(data, STEP)
            except zlib.error as exc:
                raise CorruptData(str(exc)) from exc
            if out:
                yield out
            if decompressor.eof:
                data = decompressor.unused_data
                if data.strip(b"\0"):  # another gzip member follows
                    decompressor = zlib.decompressobj(_ZLIB_OR_GZIP)
                else:
                    data = b""
            else:
                data = decompressor.unconsumed_tail
    if started and not decompressor.eof:
        raise CorruptData("the compressed data ends early")


def _prepend(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if head:
        yield head
    yield from rest
