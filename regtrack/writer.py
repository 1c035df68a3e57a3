"""The writer thread of ingest: parsed batches into the store, in order, each at once.

A batch is one transaction with its source's cursor (:meth:`Store.write_batch`).
When the database refuses a batch because of what one message holds (text
SQLite cannot take, a value a constraint or trigger refuses), the batch is
stored again message by message and the refused message is skipped as
``store-error``.  Any other failure (a full disk, a locked database) stops
the writer for good: every later batch is dropped, so stored mail never has
a hole in it and no source's cursor moves past mail that is not stored.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from regtrack.errors import StoreError
from regtrack.mail import MailMessage
from regtrack.sources import Source, SourceInfo
from regtrack.store import FactRows, Skip, Store


@dataclass
class WriteJob:
    """A parsed batch on its way to the database."""

    source: Source
    messages: list[tuple[MailMessage, str]]
    skips: list[Skip]
    cursor: str | None
    size: int
    facts: FactRows | None


class _WriterStopped(Exception):
    """Raised in the writer thread to abandon a batch stored message by message."""


class BatchWriter:
    """Writes prepared batches to the store in a thread of its own, in order.

    The queue is short so reading never runs far ahead of what is stored.
    A failure that cannot be put on one message stops the writer for good:
    every later batch is dropped, and the error is raised in the caller's
    thread at its next :meth:`submit` or at :meth:`finish`.
    """

    def __init__(self, store: Store, on_progress: Callable[[object, int], None] | None) -> None:
        self.store = store
        self.on_progress = on_progress
        # Kept here and added to the ingest's summary after the thread
        # has ended: the main thread updates the summary meanwhile.
        self.counts: Counter[str] = Counter()
        self.skips: list[Skip] = []
        self.jobs: queue.Queue[WriteJob | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="regtrack-writer", daemon=True)
        self.thread.start()

    def submit(self, job: WriteJob) -> None:
        if self.error is not None:
            raise self.error
        self.jobs.put(job)

    def finish(self) -> None:
        """Wait until every batch is stored; raise what stopped the writer, if anything."""
        self.jobs.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        """Store no more batches than the one being written, and end the thread."""
        self.stopping = True
        if self.thread.is_alive():
            self.jobs.put(None)
            self.thread.join()

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            if self.error is not None or self.stopping:
                continue  # drain: nothing more is written after a failure
            try:
                self._write(job)
            except BaseException as exc:
                self.error = exc
                continue
            if self.on_progress is not None:
                self.on_progress(job.source, job.size)

    def _write(self, job: WriteJob) -> None:
        source = job.source.info
        try:
            counts = self.store.write_batch(source, job.messages, job.skips, job.cursor, job.facts)
        except Exception as exc:
            if not job.messages or not _blames_one_message(exc):
                raise
            self._write_one_by_one(source, job, exc)
            return
        self.counts.update(new=counts.new, variants=counts.variants, known=counts.known)

    def _write_one_by_one(self, source: SourceInfo, job: WriteJob, error: Exception) -> None:
        """Store a refused batch message by message; skip the messages still refused.

        When every message is refused, the fault is not one message's: the
        batch's first error is raised and nothing of it is stored.
        """
        counts: Counter[str] = Counter()
        refused: list[Skip] = []
        for message, origin in job.messages:
            if self.stopping:
                raise _WriterStopped
            facts = job.facts.only({message.msgid}) if job.facts is not None else None
            try:
                stored = self.store.write_batch(source, [(message, origin)], (), None, facts)
            except Exception as exc:
                if not _blames_one_message(exc):
                    raise
                reason = f"store-error: {_root_cause(exc)}"
                refused.append(Skip(origin, reason, message.raw_size))
                continue
            counts.update(new=stored.new, variants=stored.variants, known=stored.known)
        if len(refused) == len(job.messages) > 1:
            raise error
        self.store.write_batch(source, (), [*job.skips, *refused], job.cursor, None)
        self.counts.update(counts)
        self.skips.extend(refused)


# Errors that come from what one message holds (text SQLite cannot take, a
# value a constraint or trigger refuses), as opposed to the database's own
# state (full disk, locked, read-only), which every later write would meet.
_MESSAGE_FAULTS = (
    sqlite3.IntegrityError,
    sqlite3.DataError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
    ValueError,  # UnicodeEncodeError for a lone surrogate among them
    OverflowError,
)


def _blames_one_message(exc: BaseException) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, sqlite3.OperationalError):
            return False
        if isinstance(cause, _MESSAGE_FAULTS):
            return True
        cause = cause.__cause__
    return False


def _root_cause(exc: BaseException) -> str:
    if isinstance(exc, StoreError) and exc.__cause__ is not None:
        exc = exc.__cause__
    return f"{type(exc).__name__}: {exc}"
