"""Ingest: sources -> parse and extract -> store, in batches, idempotently.

Each batch is hashed first and mail already in the database is skipped
before parsing, which is what makes a repeated ingest cheap.  Records that
cannot be stored (empty, no header block, over the size limit) are skipped,
counted and recorded in the ``skipped`` table with where they came from.  A
source that fails half-way keeps everything read before the failure.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime

from regtrack.errors import EXIT_OK, EXIT_SKIPPED, RegtrackError
from regtrack.extract.facts import extract_facts
from regtrack.mail import MailMessage, content_sha, parse_message
from regtrack.sizes import format_sizes_apart
from regtrack.sources import RawMail, normalise_raw, starts_with_header
from regtrack.store import FactRows, Skip, Store

DEFAULT_MAX_SIZE = 32 * 1024 * 1024
DEFAULT_BATCH_SIZE = 500
FIRST_BATCH_SIZE = 50
WORKER_NICENESS = 5  # added to the workers' nice value, see _end_with_process


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

    @property
    def exit_code(self) -> int:
        """The most serious error's code, else 3 when records were skipped, else 0.

        An input that held no messages is a warning, not a failure: nothing
        went wrong, and a script feeding ``b4 mbox -o -`` output may see it.
        """
        if self.errors:
            return max(error.exit_code for error in self.errors)
        return EXIT_SKIPPED if self.skipped else EXIT_OK


def check_raw(data: bytes, max_size: int) -> str | None:
    """Why a record cannot be stored as a message, or None when it can."""
    if not data.strip():
        return "empty: no bytes"
    if len(data) > max_size:
        size, limit = format_sizes_apart(len(data), max_size)
        return f"too-large: {size}, over the {limit} limit (--max-size)"
    if not starts_with_header(data):
        return "no-headers: does not start with a mail header"
    return None


def ingest(
    store: Store,
    sources: Iterable,
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Callable[[object, int], None] | None = None,
    extract: bool = True,
) -> IngestSummary:
    """Read every source into ``store``; errors are collected, not raised.

    With ``extract`` false, messages are stored without facts, for
    :func:`extract_stored` (``regtrack extract``) to add later.

    ``on_progress(source, n)`` is called once a batch of ``n`` records is
    stored.  A :class:`RegtrackError` from a source ends that source (what
    was read before stays stored) and is recorded in ``summary.errors``; the
    remaining sources are still read.

    Three stages overlap: this thread reads, hashes and drops known mail
    (looked up on a second, read-only connection); a worker process parses;
    a writer thread stores, in order.  SQLite releases the GIL while it
    inserts and indexes, and parsing holds none of this process's, so large
    ingests use both cores.
    """
    summary = IngestSummary()
    reader = store.reader()
    parser = _Parser(extract)
    writer = _BatchWriter(store, summary, on_progress)
    pending: deque[_ParsingBatch] = deque()

    def start(source, batch: list[RawMail], full: bool) -> None:
        pending.append(_start_batch(reader, parser, source, batch, max_size, summary, full))
        _hand_over(pending, writer, summary, keep=parser.workers + 1)

    sizes = _batch_sizes(batch_size)
    limit = next(sizes)
    try:
        for source in sources:
            summary.sources.append(source.label)
            read_before = summary.read
            batch: list[RawMail] = []
            try:
                for raw in source:
                    batch.append(raw)
                    if len(batch) >= limit:
                        start(source, batch, full=True)
                        batch, limit = [], next(sizes)
            except RegtrackError as exc:
                summary.errors.append(exc)
            else:
                if not batch and summary.read == read_before and source.total != 0:
                    # total 0 means the source knew it had nothing new
                    # (an unchanged file, an epoch read to its end).
                    summary.warnings.append(f"{source.label}: 0 messages read")
            finally:
                if batch:
                    start(source, batch, full=False)
        _hand_over(pending, writer, summary, keep=0)
    finally:
        parser.close()
        writer.close()
        reader.close()
    return summary


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

    source: object
    parsing: Future
    skips: list[Skip]
    cursor: str | None
    size: int


def _start_batch(
    reader: Store,
    parser: _Parser,
    source,
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
        reason = check_raw(data, max_size)
        if reason is not None:
            skips.append(Skip(raw.where, reason, len(raw.data)))
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
    pending: deque[_ParsingBatch], writer: _BatchWriter, summary: IngestSummary, keep: int
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
        for skip in skips:
            summary.skipped[skip.reason.split(":", 1)[0]] += 1
            summary.skip_details.append(f"{skip.origin}: skipped, {skip.reason}")
        summary.warnings.extend(parsed.extract_errors)
        writer.submit(job.source, parsed.messages, skips, job.cursor, job.size, parsed.facts)


@dataclass
class ParsedBatch:
    """What parsing and extracting a batch gave: messages, facts, skips, problems.

    A message whose extraction failed is stored without facts (``regtrack
    extract`` retries it) and the failure is reported, not raised.  Facts
    travel as table rows, which cross from a worker process cheaply.
    """

    messages: list[tuple[MailMessage, str]] = field(default_factory=list)
    facts: FactRows = field(default_factory=FactRows)
    skips: list[Skip] = field(default_factory=list)
    extract_errors: list[str] = field(default_factory=list)


def parse_batch(
    items: list[tuple[bytes, datetime | None, str, str]], extract: bool = True
) -> ParsedBatch:
    """Parse (and extract) (bytes, archive date, sha, where) items, one failure at a time."""
    batch = ParsedBatch()
    seen: set[str] = set()
    for data, archive_date, sha, where in items:
        try:
            message = parse_message(data, archive_date, sha)
        except Exception as exc:  # one bad mail must not stop a run
            batch.skips.append(Skip(where, f"parse-error: {type(exc).__name__}: {exc}", len(data)))
            continue
        batch.messages.append((message, where))
        if not extract or message.msgid in seen:
            continue  # a later copy of a message-id is a variant: its first copy is stored
        seen.add(message.msgid)
        try:
            batch.facts.add(message.msgid, extract_facts(message.subject, message.body))
        except Exception as exc:  # an extractor bug: keep the message, report it
            batch.extract_errors.append(
                f"{where}: extraction failed ({type(exc).__name__}: {exc}); "
                "the message is stored, run regtrack extract after upgrading"
            )
    return batch


class _Parser:
    """Parses batches in worker processes, small ingests in this one.

    Parsing is CPU-bound Python.  In this process it would compete for the
    GIL with the writer thread, which must re-take the GIL after every row
    SQLite inserts; in a worker it runs beside it.  A batch that ends a
    source before any worker has started is parsed here, so an ingest of a
    thread or two never pays for starting one; the first full batch (small,
    see :func:`_batch_sizes`) starts the workers.  They come from a fork
    server that preloads only the parser and extractors, so they are never
    forked from a process with threads running.
    """

    def __init__(self, extract: bool = True) -> None:
        self.extract = extract
        # Parsing alone keeps one worker as busy as the writer thread; with
        # extraction a second worker keeps up (measured by bench/extract.py
        # on two cores).  More would only contend for the same cores.
        self.workers = 2 if extract else 1
        self.pool: ProcessPoolExecutor | None = None

    def submit(self, items: list[tuple[bytes, datetime | None, str, str]], full: bool) -> Future:
        """Start parsing ``items``; ``full`` says the source goes on after them."""
        if not items or (self.pool is None and not full):
            done: Future = Future()
            done.set_result(parse_batch(items, self.extract))
            return done
        if self.pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["regtrack.mail", "regtrack.factstore"])
            self.pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_end_with_process,
                initargs=(os.getpid(),),
            )
        return self.pool.submit(parse_batch, items, self.extract)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _end_with_process(ingesting_pid: int) -> None:
    """Worker initializer: exit once the ingesting process is gone.

    A worker waits on a queue whose write end it also holds, so it would
    never notice an ingest killed with SIGKILL; it would live on, with its
    fork server, for good.  A watchdog thread ends it instead.

    Workers also run at a lower priority: the ingesting process reads and
    writes, the one stage every batch goes through in turn, so it should
    have a core whenever it can run.  Workers take the rest (on two cores
    this makes a large ingest about 8% faster, with or without extraction).
    """
    os.nice(WORKER_NICENESS)

    def watch() -> None:
        while _process_exists(ingesting_pid):
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="regtrack-watchdog", daemon=True).start()


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
        # Counted here and merged into the summary in close(), after the
        # thread has ended: the main thread updates the summary meanwhile.
        self.counts: Counter[str] = Counter()
        self.jobs: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="regtrack-writer", daemon=True)
        self.thread.start()

    def submit(self, source, parsed, skips, cursor, size, facts) -> None:
        self._raise_error()
        self.jobs.put((source, parsed, skips, cursor, size, facts))

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join()
        self.summary.new += self.counts["new"]
        self.summary.variants += self.counts["variants"]
        self.summary.known += self.counts["known"]
        self._raise_error()

    def _raise_error(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            if self.error is not None:
                continue  # drain: nothing more is written after a failure
            source, parsed, skips, cursor, size, facts = job
            try:
                counts = self.store.write_batch(
                    (source.key, source.kind, source.label), parsed, skips, cursor, facts
                )
            except BaseException as exc:
                self.error = exc
                continue
            self.counts.update(new=counts.new, variants=counts.variants, known=counts.known)
            if self.on_progress is not None:
                self.on_progress(source, size)


def extract_stored(
    store: Store,
    *,
    redo: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[int, list[str]]:
    """Extract facts for stored messages that have none, or older ones.

    ``redo`` extracts every message again.  Each batch is replaced in one
    transaction, so an interrupted run resumes where it stopped.  Returns
    (messages extracted, problems) where a problem names a message whose
    extraction failed; that message keeps no facts and is not retried in
    this run.
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
        for msgid, subject, body in rows[:batch_size]:
            try:
                facts.append((msgid, extract_facts(subject, body)))
            except Exception as exc:  # an extractor bug: report it, go on
                failed.add(msgid)
                problems.append(f"{msgid}: extraction failed ({type(exc).__name__}: {exc})")
        store.replace_facts(facts)
        done += len(facts)
        if redo:
            last_seen = rows[:batch_size][-1][0]
        if on_progress is not None:
            on_progress(len(rows[:batch_size]))
