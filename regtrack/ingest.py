"""Ingest: sources -> parse -> store, in batches, idempotently.

Each batch is hashed first and mail already in the database is skipped
before parsing, which is what makes a repeated ingest cheap.  Records that
cannot be stored (empty, no header block, over the size limit) are skipped,
counted and recorded in the ``skipped`` table with where they came from.  A
source that fails half-way keeps everything read before the failure.
"""

from __future__ import annotations

import queue
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from regtrack.errors import RegtrackError
from regtrack.mail import MailMessage, content_sha, parse_message
from regtrack.sources import RawMail, normalise_raw
from regtrack.store import Skip, Store

DEFAULT_MAX_SIZE = 32 * 1024 * 1024
DEFAULT_BATCH_SIZE = 500
_HEADER_START = re.compile(rb"^[!-9;-~]+:")


@dataclass
class IngestSummary:
    """What an ingest did, for the one-line summary and ``--json``."""

    sources: list[str] = field(default_factory=list)
    read: int = 0
    new: int = 0
    known: int = 0
    variants: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    skip_details: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "sources": self.sources,
            "read": self.read,
            "new": self.new,
            "known": self.known,
            "variants": self.variants,
            "skipped": dict(self.skipped),
            "skip_details": self.skip_details,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def check_raw(data: bytes, max_size: int) -> str | None:
    """Why a record cannot be stored as a message, or None when it can."""
    if not data.strip():
        return "empty: no bytes"
    if len(data) > max_size:
        return (
            f"too-large: {len(data) / 1e6:.1f} MB, over the "
            f"{max_size / 1e6:.1f} MB limit (--max-size)"
        )
    if not _HEADER_START.match(data):
        return "no-headers: does not start with a mail header"
    return None


def ingest(
    store: Store,
    sources: Iterable,
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Callable[[object, int], None] | None = None,
) -> IngestSummary:
    """Read every source into ``store``; errors are collected, not raised.

    ``on_progress(source, n)`` is called once a batch of ``n`` records is
    stored.  A :class:`RegtrackError` from a source ends that source (what
    was read before stays stored) and is recorded in ``summary.errors``; the
    remaining sources are still read.

    Parsing (in this thread) overlaps with writing (in a writer thread):
    SQLite releases the GIL while it inserts and indexes, so the two use both
    cores.  Known mail is looked up on a second, read-only connection.
    """
    summary = IngestSummary()
    reader = store.reader()
    writer = _BatchWriter(store, summary, on_progress)
    try:
        for source in sources:
            summary.sources.append(source.label)
            batch: list[RawMail] = []
            try:
                for raw in source:
                    batch.append(raw)
                    if len(batch) >= batch_size:
                        writer.submit(source, *_prepare_batch(reader, batch, max_size, summary))
                        batch = []
            except RegtrackError as exc:
                summary.errors.append(str(exc))
            finally:
                if batch:
                    writer.submit(source, *_prepare_batch(reader, batch, max_size, summary))
    finally:
        writer.close()
        reader.close()
    return summary


class _BatchWriter:
    """Writes prepared batches to the store in a thread of its own, in order.

    The queue is short so reading never runs far ahead of what is stored;
    a write error stops the writer and is raised in the caller's thread.
    """

    def __init__(
        self,
        store: Store,
        summary: IngestSummary,
        on_progress: Callable[[object, int], None] | None,
    ) -> None:
        self.store = store
        self.summary = summary
        self.on_progress = on_progress
        self.jobs: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="regtrack-writer", daemon=True)
        self.thread.start()

    def submit(self, source, parsed, skips, cursor, size) -> None:
        self._raise_error()
        self.jobs.put((source, parsed, skips, cursor, size))

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join()
        self._raise_error()

    def _raise_error(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            if self.error is not None:
                continue  # drain: nothing more is written after a failure
            source, parsed, skips, cursor, size = job
            try:
                counts = self.store.write_batch(
                    (source.key, source.kind, source.label), parsed, skips, cursor
                )
            except BaseException as exc:
                self.error = exc
                continue
            self.summary.new += counts.new
            self.summary.variants += counts.variants
            self.summary.known += counts.known
            if self.on_progress is not None:
                self.on_progress(source, size)


def _prepare_batch(
    reader: Store, batch: list[RawMail], max_size: int, summary: IngestSummary
) -> tuple[list[tuple[MailMessage, str]], list[Skip], str | None, int]:
    """Check, hash and parse a batch; mail already stored is not parsed."""
    skips: list[Skip] = []
    candidates: list[tuple[RawMail, bytes, str]] = []
    for raw in batch:
        data = normalise_raw(raw.data)
        reason = check_raw(data, max_size)
        if reason is not None:
            skips.append(Skip(raw.where, reason, len(raw.data)))
            continue
        candidates.append((raw, data, content_sha(data)))
    known = reader.known_copies([sha for _, _, sha in candidates])
    parsed: list[tuple[MailMessage, str]] = []
    for raw, data, sha in candidates:
        if sha in known:
            summary.known += 1
            continue
        try:
            parsed.append((parse_message(data, raw.archive_date, sha), raw.where))
        except Exception as exc:
            skips.append(Skip(raw.where, f"parse-error: {type(exc).__name__}: {exc}", len(data)))
    summary.read += len(batch)
    for skip in skips:
        summary.skipped[skip.reason.split(":", 1)[0]] += 1
        summary.skip_details.append(f"{skip.origin}: skipped, {skip.reason}")
    cursors = [raw.cursor for raw in batch if raw.cursor is not None]
    return parsed, skips, cursors[-1][1] if cursors else None, len(batch)
