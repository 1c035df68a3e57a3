"""Ingest: sources -> parse and extract -> store, in batches, idempotently.

Each batch is hashed first and mail already in the database is skipped
before parsing, which is what makes a repeated ingest cheap.  Records that
cannot be stored (empty, no header block, over the size limit, over the
time budget, refused by the database) are skipped, counted and recorded in
the ``skipped`` table with where they came from.  A source that fails
half-way keeps everything read before the failure.

Batches are stored in the order they were read, each in one transaction
together with its source's cursor, and nothing is stored after a batch
that could not be: a source's cursor never moves past mail that is not in
the database.  Ctrl-C stops the workers, lets the batch being written
finish, and raises ``KeyboardInterrupt``.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime

from regtrack.errors import EXIT_OK, EXIT_SKIPPED, RegtrackError
from regtrack.extract.facts import MessageFacts, extract_facts
from regtrack.mail import content_sha
from regtrack.sizes import format_sizes_apart
from regtrack.sources import RawMail, Source, normalise_raw, starts_with_header
from regtrack.state import REPORT_THRESHOLD, UpdateResult, update_pending
from regtrack.store import Skip, Store
from regtrack.workers import (
    DEFAULT_MESSAGE_BUDGET,
    MessageTimeout,
    ParsedBatch,
    TimeBudget,
    parse_batch,
    start_pool,
    submit_batch,
)
from regtrack.writer import BatchWriter, WriteJob

DEFAULT_MAX_SIZE = 32 * 1024 * 1024
DEFAULT_BATCH_SIZE = 500
FIRST_BATCH_SIZE = 50
# A batch also ends at this many bytes of mail.  Several batches are in
# flight at once (read, parsed, written), each held raw and parsed, so this
# is what bounds memory when messages are large; 500 average lore messages
# are about 10 MB.
BATCH_BYTES = 4 * 1024 * 1024
# SQLite's page cache for the writing connection during an ingest, in KiB
# (the default is 2 MiB).  New rows land at random places in the indexes on
# message-ids and hashes; once those outgrow the cache every insert reads
# pages back: 50k messages ingested at 900 msg/s with the default, 1,350
# with this (bench/scale.py).  It is memory that does not grow further.
WRITER_CACHE_KIB = 32 * 1024


@dataclass
class IngestSummary:
    """What an ingest did; ``regtrack.render.ingest`` turns it into text or JSON.

    ``errors`` holds the errors that ended a source early, as raised, so
    that each keeps its message and its exit code.
    """

    sources: list[str] = field(default_factory=list)
    read: int = 0
    new: int = 0
    known: int = 0
    variants: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    skip_details: list[str] = field(default_factory=list)
    errors: list[RegtrackError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tracking: UpdateResult | None = None

    @property
    def exit_code(self) -> int:
        """The most serious error's code, else 3 when records were skipped, else 0.

        An input that held no messages is a warning, not a failure: nothing
        went wrong, and a script feeding ``b4 mbox -o -`` output may see it.
        """
        if self.errors:
            return max(error.exit_code for error in self.errors)
        return EXIT_SKIPPED if self.skipped else EXIT_OK


def check_raw(data: bytes, max_size: int, length: int | None = None) -> str | None:
    """Why a record cannot be stored as a message, or None when it can.

    ``length`` is the record's real size when the source kept only its start
    (:attr:`RawMail.size`).
    """
    length = len(data) if length is None else length
    if length > max_size:
        size, limit = format_sizes_apart(length, max_size)
        return f"too-large: {size}, over the {limit} limit (--max-size)"
    if not data.strip():
        return "empty: no bytes"
    if not starts_with_header(data):
        return "no-headers: does not start with a mail header"
    return None


def ingest(
    store: Store,
    sources: Iterable[Source],
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Callable[[object, int], None] | None = None,
    extract: bool = True,
    message_budget: float | None = DEFAULT_MESSAGE_BUDGET,
    track: bool = True,
    threshold: int = REPORT_THRESHOLD,
) -> IngestSummary:
    """Read every source into ``store``; errors of sources are collected, not raised.

    With ``track`` (and ``extract``), the regression records of the threads
    the new messages joined are derived again once everything is stored
    (:func:`regtrack.state.update_pending`: also of messages an earlier run
    stored and was stopped before tracking; ``threshold`` is the report
    score), and ``summary.tracking`` says what that did.

    With ``extract`` false, messages are stored without facts, for
    :func:`extract_stored` (``regtrack extract``) to add later.
    ``message_budget`` is the CPU seconds one message may take to parse and
    extract (None: no limit): a message that runs over while parsing is
    skipped as ``parse-timeout``; one that runs over while its facts are
    extracted is stored without facts, with a warning.

    ``on_progress(source, n)`` is called once a batch of ``n`` records is
    stored.  A :class:`RegtrackError` from a source ends that source (what
    was read before stays stored) and is recorded in ``summary.errors``; the
    remaining sources are still read.  A batch the database refuses is
    stored message by message, and a message it still refuses is skipped
    as ``store-error``; any other failure to store (a full disk, a locked
    database) is raised, and nothing after it is stored.  On Ctrl-C the
    batch being written is finished, no other is, the workers end, and
    ``KeyboardInterrupt`` is raised.

    Three stages overlap: this thread reads, hashes and drops known mail
    (looked up on a second, read-only connection); worker processes parse;
    a writer thread stores, in order.  SQLite releases the GIL while it
    inserts and indexes, and parsing holds none of this process's, so large
    ingests use both cores.
    """
    summary = IngestSummary()
    reader = store.reader()
    page_cache = store.conn.execute("PRAGMA cache_size").fetchone()[0]
    store.conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
    parser = _Parser(extract, message_budget)
    writer = BatchWriter(store, on_progress)
    pending: deque[_ParsingBatch] = deque()
    try:
        sizes = _batch_sizes(batch_size)
        for source in sources:
            summary.sources.append(source.info.label)
            errors_before, read_any = len(summary.errors), False
            for batch, full in _read_batches(source, sizes, summary):
                read_any = True
                pending.append(_start_batch(reader, parser, source, batch, max_size, summary, full))
                _hand_over(pending, writer, summary, keep=parser.workers + 1)
            if not read_any and len(summary.errors) == errors_before and source.total != 0:
                # total 0 means the source knew it had nothing new
                # (an unchanged file, an epoch read to its end).
                summary.warnings.append(f"{source.info.label}: 0 messages read")
        _hand_over(pending, writer, summary, keep=0)
        writer.finish()
    except BaseException:
        with _second_interrupt_ignored():
            writer.stop()
            parser.close()
            reader.close()
        raise
    finally:
        if not writer.thread.is_alive():  # the connection is the writer's while it runs
            store.conn.execute(f"PRAGMA cache_size = {page_cache}")
    parser.close()
    reader.close()
    summary.new += writer.counts["new"]
    summary.variants += writer.counts["variants"]
    summary.known += writer.counts["known"]
    _count_skips(summary, writer.skips)
    if extract and track:
        summary.tracking = update_pending(store, threshold)
    return summary


def _read_batches(
    source: Iterable[RawMail], sizes: Iterator[int], summary: IngestSummary
) -> Iterator[tuple[list[RawMail], bool]]:
    """A source's records in batches, each with whether the source goes on after it.

    Only the source's own errors are caught here: they end the source and
    are recorded, and the records read before them are still ingested.
    """
    records = iter(source)
    batch: list[RawMail] = []
    limit, size = next(sizes), 0
    while True:
        try:
            raw = next(records)
        except StopIteration:
            break
        except RegtrackError as exc:
            summary.errors.append(exc)
            break
        batch.append(raw)
        size += len(raw.data)
        if len(batch) >= limit or size >= BATCH_BYTES:
            yield batch, True
            batch, limit, size = [], next(sizes), 0
    if batch:
        yield batch, False


@contextlib.contextmanager
def _second_interrupt_ignored() -> Iterator[None]:
    """While cleaning up after Ctrl-C (or an error), a second Ctrl-C must not cut it short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _batch_sizes(batch_size: int) -> Iterator[int]:
    """Batch sizes: small ones first, doubling up to ``batch_size``.

    The first batch is parsed while the worker processes start and nothing
    can be stored before it is done; a small one lets the writer begin
    early instead of waiting about a second for 500 messages.
    """
    size = min(batch_size, FIRST_BATCH_SIZE)
    while True:
        yield size
        size = min(batch_size, size * 2)


@dataclass
class _ParsingBatch:
    """A batch whose parsing is under way, with what was decided before it."""

    source: Source
    parsing: Future
    skips: list[Skip]
    cursor: str | None
    size: int


def _start_batch(
    reader: Store,
    parser: _Parser,
    source: Source,
    batch: list[RawMail],
    max_size: int,
    summary: IngestSummary,
    full: bool,
) -> _ParsingBatch:
    """Check and hash a batch, drop mail already stored, and start parsing the rest."""
    skips: list[Skip] = []
    candidates: list[tuple[bytes, datetime | None, str, str]] = []
    for raw in batch:
        data = normalise_raw(raw.data)
        reason = check_raw(data, max_size, raw.size)
        if reason is not None:
            skips.append(Skip(raw.where, reason, raw.length))
        else:
            candidates.append((data, raw.archive_date, content_sha(data), raw.where))
    known = reader.known_copies([sha for _, _, sha, _ in candidates])
    to_parse = [item for item in candidates if item[2] not in known]
    summary.known += len(candidates) - len(to_parse)
    summary.read += len(batch)
    cursors = [raw.cursor for raw in batch if raw.cursor is not None]
    cursor = cursors[-1][1] if cursors else None
    return _ParsingBatch(source, parser.submit(to_parse, full), skips, cursor, len(batch))


def _hand_over(
    pending: deque[_ParsingBatch], writer: BatchWriter, summary: IngestSummary, keep: int
) -> None:
    """Pass parsed batches to the writer, oldest first, until ``keep`` remain."""
    while len(pending) > keep:
        job = pending.popleft()
        try:
            parsed: ParsedBatch = job.parsing.result()
        except BrokenProcessPool as exc:
            raise RegtrackError(
                "the parser process died; batches stored so far are kept, run again to finish"
            ) from exc
        skips = job.skips + parsed.skips
        _count_skips(summary, skips)
        summary.warnings.extend(parsed.extract_errors)
        writer.submit(
            WriteJob(job.source, parsed.messages, skips, job.cursor, job.size, parsed.facts)
        )


def _count_skips(summary: IngestSummary, skips: Iterable[Skip]) -> None:
    for skip in skips:
        summary.skipped[skip.reason.split(":", 1)[0]] += 1
        summary.skip_details.append(f"{skip.origin}: skipped, {skip.reason}")


class _Parser:
    """Parses batches in worker processes, small ingests in this one.

    Parsing is CPU-bound Python.  In this process it would compete for the
    GIL with the writer thread, which must re-take the GIL after every row
    SQLite inserts; in a worker it runs beside it.  A batch that ends a
    source before any worker has started is parsed here, so an ingest of a
    thread or two never pays for starting one; the first full batch (small,
    see :func:`_batch_sizes`) starts the workers (see :mod:`regtrack.workers`).
    """

    def __init__(self, extract: bool = True, budget: float | None = None) -> None:
        self.extract = extract
        self.budget = budget
        # Parsing alone keeps one worker as busy as the writer thread; with
        # extraction a second worker keeps up (measured by bench/extract.py
        # on two cores).  More would only contend for the same cores.
        self.workers = 2 if extract else 1
        self.pool: ProcessPoolExecutor | None = None

    def submit(self, items: list[tuple[bytes, datetime | None, str, str]], full: bool) -> Future:
        """Start parsing ``items``; ``full`` says the source goes on after them."""
        if not items or (self.pool is None and not full):
            done: Future = Future()
            done.set_result(parse_batch(items, self.extract, self.budget))
            return done
        if self.pool is None:
            self.pool = start_pool(self.workers)
        return submit_batch(self.pool, items, self.extract, self.budget)

    def close(self) -> None:
        """Drop the batches not started yet, and wait for the workers to end.

        Batches a worker has begun are finished first (a few tenths of a
        second): a worker killed while it sends a result back would leave
        the pool waiting for the rest of it for good.
        """
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def extract_stored(
    store: Store,
    *,
    redo: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
    message_budget: float | None = DEFAULT_MESSAGE_BUDGET,
) -> tuple[int, list[str]]:
    """Extract facts for stored messages that have none, or older ones.

    ``redo`` extracts every message again.  Each batch is replaced in one
    transaction, so an interrupted run resumes where it stopped.  Returns
    (messages extracted, problems) where a problem names a message whose
    extraction failed or took over ``message_budget`` CPU seconds; that
    message keeps no facts and is not retried in this run.
    """
    done = 0
    problems: list[str] = []
    failed: set[str] = set()
    last_seen: str | None = None
    while True:
        rows = store.messages_needing_facts(batch_size + len(failed), redo=redo, after=last_seen)
        rows = [row for row in rows if row[0] not in failed]
        if not rows:
            return done, problems
        facts = []
        with TimeBudget(message_budget) as clock:
            for msgid, subject, body, answers in rows[:batch_size]:
                try:
                    facts.append((msgid, _extract_timed(clock, subject, body, answers)))
                except MessageTimeout:
                    failed.add(msgid)
                    problems.append(
                        f"{msgid}: extraction took over {message_budget:g} s of CPU; "
                        "the message keeps no facts"
                    )
                except Exception as exc:  # an extractor bug: report it, go on
                    failed.add(msgid)
                    problems.append(f"{msgid}: extraction failed ({type(exc).__name__}: {exc})")
        store.replace_facts(facts)
        done += len(facts)
        if redo:
            last_seen = rows[:batch_size][-1][0]
        if on_progress is not None:
            on_progress(len(rows[:batch_size]))


def _extract_timed(clock: TimeBudget, subject: str, body: str, answers: bool) -> MessageFacts:
    try:
        clock.start()
        return extract_facts(subject, body, answers=answers)
    finally:
        clock.stop()
