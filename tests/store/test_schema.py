"""Migrations: one list, applied in order; schema 3 gives facts their own table."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from regtrack.ingest import extract_stored, ingest
from regtrack.sources.mbox import MboxSource
from regtrack.store import Store
from regtrack.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, statements
from tests.paths import SEED_REPORT

SEED_MESSAGES = 12  # the seed's README


def _version_two_database(path: Path, seed_mbox: Path) -> None:
    """A database as regtrack left it before schema 3: facts_version on messages."""
    fresh = Store(path.with_name("fresh.db"))
    ingest(fresh, [MboxSource(seed_mbox)])
    conn = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS[:2]:
        for statement in statements(migration):
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 2")
    columns = [c[1] for c in fresh.conn.execute("PRAGMA table_info(messages)")]
    rows = fresh.conn.execute(f"SELECT {', '.join(columns)} FROM messages").fetchall()
    marks = ", ".join("?" * (len(columns) + 2))
    conn.executemany(
        f"INSERT INTO messages ({', '.join(columns)}, facts_version, for_regzbot) VALUES ({marks})",
        [(*row, 2, 0) for row in rows],
    )
    conn.close()
    fresh.close()


def test_schema_two_is_migrated_and_its_facts_made_again(tmp_path: Path, seed_mbox: Path) -> None:
    path = tmp_path / "v2.db"
    _version_two_database(path, seed_mbox)
    store = Store(path)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 7
    columns = {c[1] for c in store.conn.execute("PRAGMA table_info(messages)")}
    assert not columns & {"facts_version", "for_regzbot"}  # messages hold mail only
    assert store.stats()["without_facts"] == SEED_MESSAGES
    assert store.facts(SEED_REPORT) is None
    assert extract_stored(store) == (SEED_MESSAGES, [])
    assert store.facts(SEED_REPORT) is not None
    assert store.search("next-20230720")[0].msgid == SEED_REPORT  # the FTS index survived


def test_the_migrations_are_one_list_from_an_empty_file(tmp_path: Path) -> None:
    Store(tmp_path / "new.db").close()
    conn = sqlite3.connect(tmp_path / "new.db")
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"messages", "thread_index", "message_facts", "crash_reports"} <= tables
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
