"""The real 2023 linux-next archive (5,005 messages) ingests whole.

The expected counts were established by ingesting the corpus and checked
against its README: 5,005 messages of which three repeat an earlier
Message-ID with other bytes (real archives have such duplicates), about
2,300 replies, so a little over 2,600 threads.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from regtrack.ingest import ingest
from regtrack.sources.mbox import MboxSource
from regtrack.store import Store

pytestmark = pytest.mark.corpus

VARIANT_MSGIDS = {
    "Y9FmWVF+J08V4RbP@jo-einhundert",
    "f70dec2a-dbdf-479c-af5b-a70db02b27b4@ti.com",
    "20231031165508.46cf753f@canb.auug.org.au",
}


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory):
    from tests.paths import CORPUS_2023, require

    corpus = require(CORPUS_2023, "the 2023 linux-next corpus")
    store = Store(tmp_path_factory.mktemp("corpus") / "corpus.db")
    summary = ingest(store, [MboxSource(corpus)])
    yield store, summary, corpus
    store.close()


def test_every_message_ingests(corpus_db) -> None:
    store, summary, _ = corpus_db
    assert (summary.read, summary.new, summary.variants) == (5005, 5002, 3)
    assert (dict(summary.skipped), summary.errors) == ({}, [])
    assert store.stats() == {
        "messages": 5002,
        "threads": 2662,
        "variants": 3,
        "skipped": 0,
        "sources": 1,
        "without_facts": 0,
    }


def test_duplicate_message_ids_keep_the_first_copy(corpus_db) -> None:
    store, _, _ = corpus_db
    rows = store.conn.execute("SELECT msgid, origin FROM message_copies WHERE kept = 0").fetchall()
    assert {msgid for msgid, _ in rows} == VARIANT_MSGIDS
    for msgid, variant_origin in rows:
        kept_origin = store.message(msgid)["origin"]
        kept_line = int(kept_origin.rsplit(":", 1)[1])
        assert kept_line < int(variant_origin.rsplit(":", 1)[1])


@pytest.mark.parametrize(
    ("msgid", "subject"),
    [
        (
            "20230105104634.54cd6cd4@canb.auug.org.au",
            "linux-next: build failure after merge of the thermal tree",
        ),
        (
            "000000000000aca1bb05f1e1aac1@google.com",
            "[syzbot] linux-next boot error: WARNING in __drm_atomic_helper_set_config",
        ),
        (
            "8C9D7E49-5A75-41BE-ACCB-44FDD8FBE4D0@linux.ibm.com",
            "[powerpc] Boot failure kernel BUG at mm/usercopy.c:102",
        ),
        ("20230105143009.501d0b54@canb.auug.org.au", "linux-next: Tree for Jan 5"),
    ],
)
def test_known_messages_are_there(corpus_db, msgid: str, subject: str) -> None:
    store, _, _ = corpus_db
    row = store.message(msgid)
    assert row is not None and row["subject"] == subject
    assert row["list_id"] == "linux-next.vger.kernel.org"
    assert row["date_utc"].startswith("2023-")


def test_search_finds_a_crash_report(corpus_db) -> None:
    store, _, _ = corpus_db
    query = '"general protection fault" _compound_head'
    hits = {hit.msgid for hit in store.search(query, 50, fts=True)}
    assert "000000000000807c7805f2205df1@google.com" in hits


def test_reading_it_again_finds_everything_known(corpus_db, tmp_path: Path) -> None:
    store, _, corpus = corpus_db
    before = store.stats()
    again = ingest(store, [MboxSource(corpus)])
    assert (again.read, again.new, again.known, again.variants) == (5005, 0, 5005, 0)
    assert store.stats() == before
