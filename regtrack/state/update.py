"""Keeping the regression records current: all of them, or those new mail touches.

``regtrack update`` derives every record again from what is stored
(:func:`update_all`); ``ingest`` and ``extract`` re-derive only the records
of the threads they wrote to (:func:`update_for_messages`), and ``scan-git``
all of them, since a commit may name any thread.  Either way the records
written are the ones a whole derivation gives: the threads re-derived are
the changed ones plus every thread that can change their records (threads
they link or that link them, threads of the same regression, patches that
carry a culprit's subject, threads ``#regzbot`` commands name), found
again until nothing is added.

Records are replaced in one transaction: a reader sees the old records or
the new ones, never half of each.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from regtrack.state.derive import REPORT_THRESHOLD, derive
from regtrack.state.gitview import GitView
from regtrack.store import Store, tracking
from regtrack.store import regressions as regression_tables

_MAX_ROUNDS = 6


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """What an update did: how many records it wrote, how many threads it read, and the time."""

    regressions: int
    unhandled: int
    threads: int
    messages: int
    seconds: float
    statuses: dict[str, int]


def update_all(store: Store, threshold: int = REPORT_THRESHOLD) -> UpdateResult:
    """Derive every record again from every stored message and commit (idempotent)."""
    started = time.perf_counter()
    mark = store.message_mark()  # read first: a message stored meanwhile is tracked next time
    mails = tracking.load_mail(store.conn)
    derived = derive(mails, GitView(store), _bodies(store), threshold)
    with store.transaction() as conn:
        regression_tables.clear(conn)
        regression_tables.replace_regressions(conn, (), derived.regressions, (), derived.unhandled)
        regression_tables.move_tracking_cursor(conn, mark)
    return _result(store, derived, len({m.thread_id for m in mails.values()}), len(mails), started)


def update_pending(store: Store, threshold: int = REPORT_THRESHOLD) -> UpdateResult | None:
    """Re-derive the records of every message stored since the records were last written
    (ingest calls it when it has stored mail; a run killed before it did leaves its
    messages pending, and the next ingest tracks them).  None when nothing is pending."""
    mark = store.message_mark()
    pending = store.messages_since(store.tracking_cursor())
    if not pending:
        return None
    return update_for_messages(store, pending, threshold, upto=mark)


def update_for_messages(
    store: Store,
    msgids: Collection[str],
    threshold: int = REPORT_THRESHOLD,
    *,
    upto: int | None = None,
) -> UpdateResult:
    """Re-derive the records that messages ``msgids`` (just stored) can change; ``upto``:
    every message up to that row number is accounted for once these records are written."""
    started = time.perf_counter()
    threads = affected_threads(store, msgids)
    mails = tracking.load_mail(store.conn, threads) if threads else {}
    derived = derive(mails, GitView(store), _bodies(store), threshold)
    in_scope = list(mails)
    with store.transaction() as conn:
        touched = regression_tables.regressions_of_messages(conn, in_scope)
        old_reports = regression_tables.report_msgids(
            conn, {rid for ids in touched.values() for rid in ids}
        )
        regression_tables.replace_regressions(
            conn, [*in_scope, *old_reports], derived.regressions, in_scope, derived.unhandled
        )
        if upto is not None:
            regression_tables.move_tracking_cursor(conn, upto)
    return _result(store, derived, len(threads), len(mails), started)


def affected_threads(store: Store, msgids: Collection[str]) -> set[int]:
    """The threads of ``msgids`` and every thread whose records they can change (module doc)."""
    conn = store.conn
    threads = tracking.thread_ids_of(conn, msgids)
    every = tracking.thread_count(conn)
    for _ in range(_MAX_ROUNDS):
        if len(threads) == every:  # a first ingest: nothing is left to find
            break
        members = tracking.thread_messages(conn, threads)
        related = tracking.related_messages(conn, members)
        records = regression_tables.regressions_of_messages(conn, members)
        if records:
            ids = {rid for found in records.values() for rid in found}
            related |= set(regression_tables.report_msgids(conn, ids))
            related |= regression_tables.messages_of(conn, ids)
        more = tracking.thread_ids_of(conn, related) - threads
        if not more:
            break
        threads |= more
    return threads


def _bodies(store: Store) -> Callable[[str], str | None]:
    def body(msgid: str) -> str | None:
        stored = store.message(msgid)
        return str(stored["body"]) if stored else None

    return body


def _result(store: Store, derived, threads: int, messages: int, started: float) -> UpdateResult:
    return UpdateResult(
        regressions=len(derived.regressions),
        unhandled=len(derived.unhandled),
        threads=threads,
        messages=messages,
        seconds=time.perf_counter() - started,
        statuses=regression_tables.counts(store.conn),
    )
