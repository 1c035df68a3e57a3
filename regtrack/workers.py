"""The parse worker processes of ingest: how they start, what they ignore, how they end.

Workers come from a fork server, so they are never forked from a process
with threads running.  Three things make them safe to run anywhere:

* **They import what the ingesting process imported.**  The fork server is
  started as ``python -c ...``, which puts the working directory first on
  ``sys.path``; a folder named ``regtrack`` there would be imported instead
  of the real package (and Python 3.11's fork server ignores the parent's
  ``sys.path`` it is handed).  It is started with ``PYTHONSAFEPATH`` set and
  the parent's ``sys.path`` as ``PYTHONPATH``.
* **Ctrl-C is the ingesting process's to handle.**  A terminal's Ctrl-C
  reaches every process of the group; a worker that raised
  ``KeyboardInterrupt`` would print a traceback and break the pool.  SIGINT
  is blocked while the fork server starts, so the fork server and every
  worker forked from it are born with it blocked; a worker ignores it before
  unblocking it.  The ingesting process shuts the pool down itself.
* **A worker ends with the ingesting process**, even one killed with
  SIGKILL (see :func:`_start_worker`).

What runs in a worker is :func:`parse_batch`; each message gets a time
budget there (:class:`TimeBudget`), so one pathological message cannot
stall an ingest.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing import resource_tracker
from types import FrameType

from regtrack.extract.facts import facts_of_message
from regtrack.mail import MailMessage, parse_message
from regtrack.store import FactRows, Skip

WORKER_NICENESS = 5  # added to the workers' nice value, see _start_worker
PRELOAD = ["regtrack.workers"]
# CPU seconds one message may take to parse and extract.  The slowest
# message of the 2023 corpus (3.3 MB) takes 0.05 s.
DEFAULT_MESSAGE_BUDGET = 10.0


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
    items: list[tuple[bytes, datetime | None, str, str]],
    extract: bool = True,
    budget: float | None = None,
) -> ParsedBatch:
    """Parse (and extract) (bytes, archive date, sha, where) items, one failure at a time.

    Each message may use ``budget`` CPU seconds for both (see :func:`ingest`).
    """
    batch = ParsedBatch()
    seen: set[str] = set()
    with TimeBudget(budget) as clock:
        for data, archive_date, sha, where in items:
            stage = ["parse"]
            try:
                try:
                    clock.start()
                    _parse_one(batch, seen, data, archive_date, sha, where, extract, stage)
                finally:
                    clock.stop()
            except MessageTimeout:
                _timed_out(batch, stage[0], where, len(data), budget)
    return batch


def _parse_one(
    batch: ParsedBatch,
    seen: set[str],
    data: bytes,
    archive_date: datetime | None,
    sha: str,
    where: str,
    extract: bool,
    stage: list[str],
) -> None:
    """Parse and extract one message into ``batch``; ``stage[0]`` says how far it got."""
    try:
        message = parse_message(data, archive_date, sha)
    except Exception as exc:  # one bad mail must not stop a run
        batch.skips.append(Skip(where, f"parse-error: {type(exc).__name__}: {exc}", len(data)))
        stage[0] = "done"
        return
    batch.messages.append((message, where))
    if not extract or message.msgid in seen:
        stage[0] = "done"
        return  # a later copy of a message-id is a variant: its first copy is stored
    seen.add(message.msgid)
    stage[0] = "extract"
    try:
        batch.facts.add(message.msgid, facts_of_message(message))
    except Exception as exc:  # an extractor bug: keep the message, report it
        batch.extract_errors.append(
            f"{where}: extraction failed ({type(exc).__name__}: {exc}); "
            "the message is stored, run regtrack extract after upgrading"
        )
    stage[0] = "done"


def _timed_out(batch: ParsedBatch, stage: str, where: str, size: int, budget: float | None) -> None:
    """Record a message that ran over its budget in ``stage``.

    A signal that arrives as a message is done ("done") changes nothing.
    """
    if stage == "parse":
        reason = f"parse-timeout: parsing took over {budget:g} s of CPU"
        batch.skips.append(Skip(where, reason, size))
    elif stage == "extract":
        batch.extract_errors.append(
            f"{where}: extraction took over {budget:g} s of CPU; "
            "the message is stored without facts"
        )


def start_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` parse processes, set up as the module docstring says."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    # The fork server starts the resource tracker first, which unblocks
    # SIGINT when it is done starting; started beforehand, it is left alone.
    with _interrupts_deferred():
        resource_tracker.ensure_running()
        with _parent_import_path(), _sigint_blocked():
            multiprocessing.forkserver.ensure_running()
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(os.getpid(),),
    )


def submit_batch(
    pool: ProcessPoolExecutor,
    items: list[tuple[bytes, datetime | None, str, str]],
    extract: bool,
    budget: float | None,
) -> Future:
    """Hand a batch to the pool; a Ctrl-C meanwhile is raised once it is handed over.

    Submitting may start a worker.  Interrupted half-way, that worker would
    not be known to the pool, so shutting the pool down would not wait for
    it: it would start after this process has cleaned up, and die with a
    traceback.
    """
    with _interrupts_deferred():
        return pool.submit(parse_batch, items, extract, budget)


@contextlib.contextmanager
def _parent_import_path() -> Iterator[None]:
    """Give processes started meanwhile this process's ``sys.path``, and no other.

    ``''`` (the working directory, for ``python -c`` or ``-m``) becomes the
    directory itself, so the fork server resolves imports as this process
    does even though it does not put its own working directory first.
    """
    paths = [path or os.getcwd() for path in sys.path]
    saved = {name: os.environ.get(name) for name in ("PYTHONPATH", "PYTHONSAFEPATH")}
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold back Ctrl-C (in the main thread, where it is handled) until the block is done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[FrameType | None] = []
    previous = signal.signal(signal.SIGINT, lambda _signum, frame: caught.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught and callable(previous):
            previous(signal.SIGINT, caught[0])


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread; processes started meanwhile inherit the mask.

    A Ctrl-C that arrives meanwhile is not lost: it is delivered once the
    mask is restored (or to another thread of this process, which leaves
    it to the main thread as usual).
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start_worker(ingesting_pid: int) -> None:
    """Worker initializer: ignore Ctrl-C, lower priority, end with the ingesting process.

    A worker waits on a queue whose write end it also holds, so it would
    never notice an ingest killed with SIGKILL; it would live on, with its
    fork server, for good.  A watchdog thread ends it instead.

    Workers run at a lower priority: the ingesting process reads and
    writes, the one stage every batch goes through in turn, so it should
    have a core whenever it can run.  Workers take the rest (on two cores
    this makes a large ingest about 8% faster, with or without extraction).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    os.nice(WORKER_NICENESS)

    def watch() -> None:
        while _process_exists(ingesting_pid):
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="regtrack-watchdog", daemon=True).start()


def _process_exists(pid: int) -> bool:
    """Whether ``pid`` still runs: a zombie (dead, not yet reaped by its parent) does not.

    ``kill(pid, 0)`` succeeds on a zombie, and an ingest killed by a parent
    that has not reaped it yet (a script, a supervisor) would keep its
    workers alive until it is.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[-1].split()[0]
        return state not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except (OSError, IndexError):
        pass  # no /proc here: ask the kernel instead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
    return True


class MessageTimeout(BaseException):
    """A message used up its time budget.

    A BaseException, like KeyboardInterrupt, so that parser and extractor
    code which catches ``Exception`` to flag odd mail cannot swallow it.
    """


class TimeBudget:
    """CPU seconds each message may take, enforced with ``ITIMER_PROF`` and SIGPROF.

    Use as a context manager around a batch, and call :meth:`start` before
    each message and :meth:`stop` after it; when a message runs over,
    :class:`MessageTimeout` is raised where it is.  Call :meth:`stop` in a
    ``finally`` and catch the timeout outside it: the signal may come just
    as the message is done.  Signal handlers run in the main thread only,
    so in any other thread (or with ``seconds`` None) there is no limit.
    CPU time rather than wall time: a busy machine slows every message
    down, but does not make one use more CPU.

    Once a message is over, the timeout is raised again every
    :data:`RETRY_INTERVAL` seconds until it is stopped: a handler that
    fires inside a garbage-collector callback or a ``__del__`` has its
    exception printed and dropped by Python, and the message would go on.
    """

    RETRY_INTERVAL = 0.05

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.active = False
        self.armed = False
        self._previous: object = None

    def __enter__(self) -> TimeBudget:
        self.active = bool(self.seconds) and threading.current_thread() is threading.main_thread()
        if self.active:
            self._previous = signal.signal(signal.SIGPROF, self._expired)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.active:
            self.stop()
            signal.signal(signal.SIGPROF, self._previous)  # type: ignore[arg-type]

    def start(self) -> None:
        if self.active and self.seconds:
            self.armed = True
            signal.setitimer(signal.ITIMER_PROF, self.seconds, self.RETRY_INTERVAL)

    def stop(self) -> None:
        if self.active:
            self.armed = False
            signal.setitimer(signal.ITIMER_PROF, 0)

    def _expired(self, _signum: int, _frame: FrameType | None) -> None:
        if self.armed:
            raise MessageTimeout
