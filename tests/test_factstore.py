"""Facts stored at ingest, read back, and extracted later for older databases."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from regtrack.cli import cli
from regtrack.extract.facts import FACTS_VERSION, extract_facts
from regtrack.extract.quoting import Origin
from regtrack.extract.stacktrace import Frame
from regtrack.ingest import extract_stored, ingest
from regtrack.sources.mbox import MboxSource
from regtrack.store import Store
from regtrack.store.schema import APPLICATION_ID, MIGRATIONS, statements
from tests.extract.seed import CULPRIT, CULPRIT_POSTING, SMATCH_REPORT
from tests.paths import SEED_MSGIDS, SEED_REGRESSION_THREAD, SEED_REPORT


def test_seed_facts_are_stored_with_the_messages(seed_mbox: Path, store: Store) -> None:
    ingest(store, [MboxSource(seed_mbox)])
    facts = store.facts(SEED_REPORT)
    assert facts is not None and store.facts_version(SEED_REPORT) == FACTS_VERSION
    (culprit,) = facts.culprits
    assert (culprit.commit, culprit.kind) == (CULPRIT, "git-show")
    (crash,) = facts.crashes
    assert crash.title.endswith("NULL pointer dereference in __mmu_notifier_register")
    assert crash.frames[0] == Frame("__die_body", 0x1A, 0x60, None, reliable=False)
    assert facts.versions.report_tree == "linux-next"
    assert [(tag.name, tag.tree) for tag in facts.versions.tags] == [
        ("next-20230720", "linux-next")
    ]
    (link,) = facts.message_refs
    assert (link.msgid, link.origin) == (CULPRIT_POSTING, Origin.QUOTED_COMMIT)
    assert facts.revert_tests[0].sentence.startswith("We also verified by reverting")


def test_facts_answer_sql_questions(seed_mbox: Path, store: Store) -> None:
    ingest(store, [MboxSource(seed_mbox)])
    same_crash = store.conn.execute(
        """SELECT msgid, quoted FROM crash_reports WHERE signature =
           (SELECT signature FROM crash_reports WHERE msgid = ?) ORDER BY quoted, msgid""",
        (SEED_REPORT,),
    ).fetchall()
    assert same_crash[0] == (SEED_REPORT, 0)
    # Every reply of the regression thread quotes the report's oops.
    assert {msgid for msgid, quoted in same_crash if quoted} == set(SEED_REGRESSION_THREAD[1:])
    linking = store.conn.execute(
        "SELECT msgid FROM message_links WHERE ref_msgid = ? AND origin = 'own'", (SMATCH_REPORT,)
    ).fetchall()
    assert linking == [("87o7k0xh9u.fsf@nvdebian.thelocal",)]


def _version_one_database(path: Path, seed_mbox: Path) -> None:
    """A database as regtrack 0.1 (schema 1, no facts) left it."""
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    # Fill every version-1 table with the rows ingest writes, through the
    # version-1 columns only.
    fresh = Store(path.with_name("fresh.db"))
    ingest(fresh, [MboxSource(seed_mbox)])
    conn = sqlite3.connect(path)
    for table in ("messages", "message_copies", "message_refs", "thread_index", "sources"):
        columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
        rows = fresh.conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
        marks = ", ".join("?" * len(columns))
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    conn.commit()
    conn.close()
    fresh.close()


def test_version_one_database_is_migrated_and_extracted(tmp_path: Path, seed_mbox: Path) -> None:
    path = tmp_path / "old.db"
    _version_one_database(path, seed_mbox)
    store = Store(path)  # migrates to the current schema
    assert store.stats()["without_facts"] == len(SEED_MSGIDS)
    assert store.facts(SEED_REPORT) is None
    done, problems = extract_stored(store, batch_size=2)
    assert (done, problems) == (len(SEED_MSGIDS), [])
    assert store.stats()["without_facts"] == 0
    assert store.facts(SEED_REPORT).culprits[0].commit == CULPRIT
    assert extract_stored(store) == (0, [])  # nothing stale any more


def test_extract_all_replaces_facts_without_duplicates(seed_mbox: Path, store: Store) -> None:
    ingest(store, [MboxSource(seed_mbox)])
    before = store.conn.execute("SELECT COUNT(*) FROM crash_reports").fetchone()[0]
    done, _ = extract_stored(store, redo=True, batch_size=2)
    assert done == len(SEED_MSGIDS)
    assert store.conn.execute("SELECT COUNT(*) FROM crash_reports").fetchone()[0] == before


def test_extract_command_and_show_facts(tmp_path: Path, seed_mbox: Path) -> None:
    path = tmp_path / "old.db"
    _version_one_database(path, seed_mbox)
    runner = CliRunner()
    shown = runner.invoke(cli, ["show", SEED_REPORT, "--db", str(path)])
    assert "(no facts extracted yet; run: regtrack extract)" in shown.stdout
    result = runner.invoke(cli, ["extract", "--db", str(path), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == {"extracted": 12, "problems": []}
    shown = runner.invoke(cli, ["show", SEED_REPORT, "--db", str(path)])
    assert "tree: linux-next (next-20230720)" in shown.stdout
    assert (
        f'culprit: {CULPRIT} ("mmu_notifiers: rename invalidate_range notifier") [git-show]'
        in shown.stdout
    )
    assert "revert test: We also verified by reverting the patch in the tree." in shown.stdout
    assert (
        "crash: BUG: unable to handle kernel NULL pointer dereference in "
        "__mmu_notifier_register [signature "
    ) in shown.stdout
    assert (
        "  frames: mmu_notifier_register, mmu_interval_notifier_insert, "
        "i915_gem_userptr_ioctl [i915]," in shown.stdout
    )
    as_json = json.loads(
        runner.invoke(cli, ["show", SEED_REPORT, "--db", str(path), "--json"]).stdout
    )
    assert as_json["facts"]["culprits"][0]["commit_id"] == CULPRIT


def test_facts_of_a_variant_are_those_of_the_copy_kept(tmp_path: Path, store: Store) -> None:
    """Two copies of one Message-ID in one batch: the first is stored, with its own facts."""
    header = b"From x@z Thu Jan  1 00:00:00 1970\nMessage-ID: <twice@x>\nSubject: oops\n\n"
    first = header + b"Nothing to see here.\n"
    second = header + b"The first bad commit is:\ncommit " + CULPRIT.encode() + b"\n"
    mbox = tmp_path / "variants.mbox"
    mbox.write_bytes(first + b"\n" + second)
    summary = ingest(store, [MboxSource(mbox)])
    assert (summary.new, summary.variants) == (1, 1)
    assert store.message("twice@x")["body"].startswith("Nothing to see here.")
    assert store.facts("twice@x").culprits == ()
    assert extract_facts("oops", second.decode().split("\n\n", 1)[1]).culprits  # has one


def test_facts_of_an_older_version_are_extracted_again(seed_mbox: Path, store: Store) -> None:
    """A message whose facts older extractors made is redone by `regtrack extract`."""
    ingest(store, [MboxSource(seed_mbox)])
    with store.transaction() as conn:
        conn.execute("DELETE FROM culprits WHERE msgid = ?", (SEED_REPORT,))
        conn.execute(
            "UPDATE message_facts SET facts_version = ? WHERE msgid = ?",
            (FACTS_VERSION - 1, SEED_REPORT),
        )
    done, problems = extract_stored(store)
    assert (done, problems) == (1, [])
    assert store.facts_version(SEED_REPORT) == FACTS_VERSION
    assert [c.commit for c in store.facts(SEED_REPORT).culprits] == [CULPRIT]
    assert extract_stored(store) == (0, [])
