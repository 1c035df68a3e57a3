"""Creating and migrating a database is safe against concurrent processes.

Before, two first ingests into one new file raced: the loser failed with
"table messages already exists" or "duplicate column name: facts_version",
and so did one in three ``regtrack stats`` run beside a first ingest.
Real processes here, started together at a barrier, on new files.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

from regtrack.errors import StoreError
from regtrack.ingest import ingest
from regtrack.sources.mbox import MboxSource
from regtrack.store import SCHEMA_VERSION, Store

PROCESSES = 8
ROUNDS = 5
# fork: the children start at once, without importing regtrack again.
_CONTEXT = multiprocessing.get_context("fork")


def _open(path: Path, barrier) -> str:
    barrier.wait()
    try:
        Store(path).close()
    except StoreError as exc:
        return str(exc)
    return "ok"


def test_processes_creating_one_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    for round_number in range(ROUNDS):
        path = tmp_path / f"new-{round_number}.db"
        with _CONTEXT.Manager() as manager, _CONTEXT.Pool(PROCESSES) as pool:
            barrier = manager.Barrier(PROCESSES)
            outcomes = pool.starmap(_open, [(path, barrier)] * PROCESSES)
        assert outcomes == ["ok"] * PROCESSES
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()


def _first_ingest(path: Path, seed_mbox: Path, barrier) -> str:
    barrier.wait()
    try:
        summary = ingest(Store(path), [MboxSource(seed_mbox)])
    except StoreError as exc:
        return str(exc)
    return f"new {summary.new}" if not summary.errors else "; ".join(map(str, summary.errors))


def _read_while_ingesting(path: Path, barrier, done) -> list[str]:
    """Open read-only and count, over and over, until the ingest is done."""
    barrier.wait()
    outcomes = []
    while True:
        finished = done.is_set()  # the last read starts after the ingest ended
        try:
            store = Store(path, read_only=True)
            outcomes.append(f"messages {store.stats()['messages']}")
            store.close()
        except StoreError as exc:
            outcomes.append(str(exc))
        if finished:
            return outcomes


def test_a_read_command_beside_a_first_ingest(tmp_path: Path, seed_mbox: Path) -> None:
    """The ingest always succeeds; the reader sees no database yet, or a database."""
    for round_number in range(ROUNDS):
        path = tmp_path / f"first-{round_number}.db"
        with _CONTEXT.Manager() as manager, _CONTEXT.Pool(3) as pool:
            barrier, done = manager.Barrier(3), manager.Event()
            readers = [
                pool.apply_async(_read_while_ingesting, (path, barrier, done)) for _ in range(2)
            ]
            assert _first_ingest(path, seed_mbox, barrier) == "new 12"
            done.set()
            seen = [outcome for reader in readers for outcome in reader.get(timeout=120)]
        for outcome in seen:
            assert outcome.startswith(("messages ", f"no database at {path}")), outcome
        assert seen[-1] == "messages 12"


def test_two_first_ingests_into_one_new_database(tmp_path: Path, seed_mbox: Path) -> None:
    for round_number in range(ROUNDS):
        path = tmp_path / f"twice-{round_number}.db"
        with _CONTEXT.Manager() as manager, _CONTEXT.Pool(2) as pool:
            barrier = manager.Barrier(2)
            outcomes = pool.starmap(_first_ingest, [(path, seed_mbox, barrier)] * 2)
        # One stores the 12 messages; the other finds them stored.
        assert sorted(outcomes) == ["new 0", "new 12"]


def test_a_lock_held_past_the_busy_timeout_is_said_as_a_lock(
    tmp_path: Path, seed_mbox: Path, monkeypatch
) -> None:
    """Another process holds an exclusive lock on a database in rollback-journal mode (the
    mode a copy or another tool may leave): the error says it is locked, not broken."""
    import pytest

    from regtrack.store import schema

    db = tmp_path / "locked.db"
    store = Store(db)
    ingest(store, [MboxSource(seed_mbox)])
    store.close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(schema, "BUSY_TIMEOUT_MS", 200)
    try:
        with pytest.raises(StoreError, match="the database is locked by another process"):
            Store(db, read_only=True)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    Store(db, read_only=True).close()  # once it is let go, it opens
