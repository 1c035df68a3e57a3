"""Where raw mail comes from: files, archives and servers.

Every source yields :class:`RawMail` records, oldest first where the source
knows an order, and raises :class:`regtrack.errors.SourceError` when it
cannot go on; records yielded before the error are good and are kept.

A source is anything that fits :class:`Source`: an iterable of ``RawMail``
with a :class:`SourceInfo` saying what it is.  Source keys are built here
and nowhere else, because resuming depends on them: a stored cursor is
found again only if the next run builds the same key for the same input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

_HEADER_LINE = re.compile(rb"[!-9;-~]+:")  # RFC 5322 field name, then a colon


@dataclass(frozen=True, slots=True)
class RawMail:
    """One message's bytes as a source gave them, and where they came from.

    ``where`` names the place for error messages ("file.mbox:1234",
    "all/git/0.git@<commit>", a URL).  ``cursor`` is set by incremental
    sources: once this message is stored, the source may resume after it.
    ``size`` is set when a record was too large to keep: ``data`` then holds
    only its start (enough to name it), and ``size`` its real length.
    """

    data: bytes
    where: str
    archive_date: datetime | None = None
    cursor: tuple[str, str] | None = None
    size: int | None = None

    @property
    def length(self) -> int:
        """The record's real length in bytes, also when only its start was kept."""
        return len(self.data) if self.size is None else self.size


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What a source is: its stable ``key``, its ``kind`` and a ``label`` for people.

    ``key`` identifies the input across runs (stored cursors are kept under
    it); ``kind`` is one of ``mbox``, ``maildir``, ``public-inbox``,
    ``lore`` and ``b4``; ``label`` is what messages and summaries show.
    """

    key: str
    kind: str
    label: str

    @classmethod
    def for_path(cls, kind: str, path: Path) -> SourceInfo:
        """A file or directory, keyed by its absolute path so any spelling resumes."""
        return cls(f"{kind}:{path.resolve()}", kind, str(path))

    @classmethod
    def for_url(cls, kind: str, url: str) -> SourceInfo:
        """Something fetched from ``url``; b4's label says b4 fetched it."""
        key = f"{kind}:{url}"
        return cls(key, kind, key if kind == "b4" else url)


STDIN_INFO = SourceInfo("stdin", "mbox", "<stdin>")


@runtime_checkable
class Source(Protocol):
    """What ingest reads: raw mail, what the source is, and how many, if known.

    ``total`` is the number of records iteration will yield when the source
    knows it up front (a Maildir, an epoch's new commits), else ``None``.
    """

    info: SourceInfo
    total: int | None

    def __iter__(self) -> Iterator[RawMail]: ...


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
