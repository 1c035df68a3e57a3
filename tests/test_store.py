"""The SQLite store: identity, variants, threads, schema and search."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from regtrack.errors import StoreError
from regtrack.mail import parse_message
from regtrack.sources import SourceInfo
from regtrack.store import SCHEMA_VERSION, Skip, Store

SOURCE = SourceInfo("test:source", "mbox", "test")


def mail(msgid: str, refs: str = "", body: str = "body", subject: str = "s"):
    headers = f"Message-ID: <{msgid}>\nSubject: {subject}\nDate: Tue, 25 Jul 2023 06:42:54 +0000\n"
    if refs:
        headers += f"References: {refs}\nIn-Reply-To: {refs.split()[-1]}\n"
    return parse_message(f"{headers}\n{body}\n".encode())


def write(store: Store, *messages) -> tuple[int, int, int]:
    counts = store.write_batch(SOURCE, [(m, "here") for m in messages])
    return counts.new, counts.variants, counts.known


def thread_of(store: Store, msgid: str) -> set[str]:
    return {row["msgid"] for row in store.thread_messages(msgid)}


def test_same_bytes_twice_is_known(store: Store) -> None:
    assert write(store, mail("a@x")) == (1, 0, 0)
    assert write(store, mail("a@x")) == (0, 0, 1)
    assert store.stats()["messages"] == 1


def test_same_id_other_content_keeps_the_first_and_counts_a_variant(store: Store) -> None:
    write(store, mail("a@x", body="first"))
    assert write(store, mail("a@x", body="second")) == (0, 1, 0)
    assert write(store, mail("a@x", body="second")) == (0, 0, 1)  # the variant is known now
    assert store.message("a@x")["body"] == "first\n"
    assert store.stats()["variants"] == 1


def test_variant_inside_one_batch(store: Store) -> None:
    assert write(store, mail("a@x", body="one"), mail("a@x", body="two")) == (1, 1, 0)


def test_replies_share_the_thread_of_a_missing_ancestor(store: Store) -> None:
    write(store, mail("r1@x", "<ghost@x>"))
    write(store, mail("r2@x", "<ghost@x>"))
    assert thread_of(store, "r1@x") == {"r1@x", "r2@x"}
    assert store.stats()["threads"] == 1


def test_a_late_message_merges_two_threads(store: Store) -> None:
    write(store, mail("a@x"), mail("b@x"))
    assert store.stats()["threads"] == 2
    write(store, mail("c@x", "<a@x> <b@x>"))
    assert thread_of(store, "a@x") == {"a@x", "b@x", "c@x"}
    assert store.stats()["threads"] == 1


def test_parent_arriving_after_child_joins_its_thread(store: Store) -> None:
    write(store, mail("child@x", "<root@x>"))
    write(store, mail("root@x"))
    assert thread_of(store, "root@x") == {"root@x", "child@x"}


def test_reference_loops_do_not_break_threading(store: Store) -> None:
    write(store, mail("a@x", "<b@x>"), mail("b@x", "<a@x>"))
    assert thread_of(store, "a@x") == {"a@x", "b@x"}


def test_self_reference_is_ignored(store: Store) -> None:
    parsed = mail("a@x", "<a@x>")
    assert parsed.references == ()
    write(store, parsed)
    assert thread_of(store, "a@x") == {"a@x"}


def test_references_keep_their_order(store: Store) -> None:
    write(store, mail("c@x", "<a@x> <b@x>"))
    assert store.references_of(["c@x"]) == {"c@x": ["a@x", "b@x"]}


def test_skips_are_recorded_once_per_origin(store: Store) -> None:
    skip = Skip("f.mbox:10", "too-large: 50.0 MB", 50_000_000)
    store.write_batch(SOURCE, [], [skip])
    store.write_batch(SOURCE, [], [skip])
    assert store.stats()["skipped"] == 1


def test_cursor_is_stored_with_the_batch(store: Store) -> None:
    store.write_batch(SOURCE, [(mail("a@x"), "here")], cursor="abc123")
    assert store.source_cursor("test:source") == "abc123"
    store.write_batch(SOURCE, [(mail("b@x"), "here")])  # no cursor: the old one stays
    assert store.source_cursor("test:source") == "abc123"


def test_failed_batch_leaves_nothing(store: Store) -> None:
    good, bad = mail("good@x"), mail("bad@x")
    broken = bad.__class__(**{**{f: getattr(bad, f) for f in bad.__slots__}, "body": None})
    with pytest.raises(StoreError, match=r"writing a batch failed .* it was rolled back"):
        write(store, good, broken)
    assert store.stats() == {
        "messages": 0,
        "threads": 0,
        "variants": 0,
        "skipped": 0,
        "sources": 0,
        "without_facts": 0,
    }
    assert store.known_copies([good.content_sha]) == set()


def test_full_text_search(store: Store) -> None:
    write(
        store,
        mail("a@x", body="mmu_notifier regression", subject="Regression in linux-next"),
        mail("b@x", body="unrelated"),
    )
    assert [hit.msgid for hit in store.search("mmu_notifier")] == ["a@x"]
    assert [hit.msgid for hit in store.search("subject:regression", fts=True)] == ["a@x"]
    with pytest.raises(StoreError, match="bad search query"):
        store.search('"unbalanced', fts=True)


def test_schema_version_and_wal(db_path: Path) -> None:
    Store(db_path).close()
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_does_not_migrate_again(db_path: Path) -> None:
    store = Store(db_path)
    write(store, mail("a@x"))
    store.close()
    assert Store(db_path).stats()["messages"] == 1


def test_newer_schema_is_refused(db_path: Path) -> None:
    Store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this regtrack understands"):
        Store(db_path)


def test_foreign_database_is_refused(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE something (x)")
    conn.close()
    with pytest.raises(StoreError, match="not a regtrack database"):
        Store(db_path)


def test_non_sqlite_file_is_refused(db_path: Path) -> None:
    db_path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        Store(db_path)
