"""Where raw mail comes from: files, archives and servers.

Every source yields :class:`RawMail` records, oldest first where the source
knows an order, and raises :class:`regtrack.errors.SourceError` when it
cannot go on; records yielded before the error are good and are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

_HEADER_LINE = re.compile(rb"[!-9;-~]+:")  # RFC 5322 field name, then a colon


@dataclass(frozen=True, slots=True)
class RawMail:
    """One message's bytes as a source gave them, and where they came from.

    ``where`` names the place for error messages ("file.mbox:1234",
    "all/git/0.git@<commit>", a URL).  ``cursor`` is set by incremental
    sources: once this message is stored, the source may resume after it.
    """

    data: bytes
    where: str
    archive_date: datetime | None = None
    cursor: tuple[str, str] | None = None


def starts_with_header(data: bytes) -> bool:
    """True when ``data`` begins like a mail: a header field name and a colon."""
    return _HEADER_LINE.match(data) is not None


def normalise_raw(data: bytes) -> bytes:
    """Line endings to LF and exactly one final newline.

    The same message arrives with CRLF from a Maildir and LF from lore, and
    with or without mbox's separating blank line; normalising makes its
    bytes, and so its content hash, the same from every source.
    """
    if b"\r\n" in data:
        data = data.replace(b"\r\n", b"\n")
    return data.rstrip(b"\n") + b"\n"
