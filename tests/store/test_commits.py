"""The commit tables: batches written at once, read back by id, reference and subject."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from regtrack.errors import StoreError
from regtrack.gitscan import Commit, CommitBatch, CommitRef
from regtrack.store import Store
from regtrack.store.commits import COMMITS_SCHEMA, BranchKey, CommitLoad
from regtrack.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, statements

CULPRIT = "828fe4085cae" + "0" * 28
NEXT = BranchKey("/src/linux-next/.git", "next", "master")


def _commit(sha: str, subject: str, *refs: CommitRef, when: str = "2023-07-20") -> Commit:
    return Commit(
        sha=sha,
        parents=("1" * 40, "2" * 40),
        author_name="Carol Dev",
        author_mail="carol@example.org",
        authored_at=f"{when}T10:00:00+00:00",
        committed_at=f"{when}T12:00:00+00:00",
        subject=subject,
        refs=refs,
    )


FIX = _commit(
    "a" * 40,
    "drm/i915: check the subscription",
    CommitRef("fixes", CULPRIT[:12], "drm/i915: subscribe"),
    CommitRef("closes", "https://lore.kernel.org/all/r@x/", "r@x"),
    CommitRef("reported-by", "Ada <ada@example.org>"),
    when="2023-07-21",
)
RESPIN = _commit(
    "b" * 40, "drm/i915: subscribe", CommitRef("fixes", CULPRIT[:8]), when="2023-07-22"
)
OLD = _commit(CULPRIT, "drm/i915: subscribe")


def test_a_batch_is_written_and_read_back_whole(store: Store) -> None:
    assert store.write_commits(NEXT, [OLD, FIX], scan=1) == 2
    assert store.commit(FIX.sha) == FIX
    assert store.commit(FIX.sha.upper()) == FIX
    assert store.commit("c" * 40) is None


def test_writing_the_same_commits_again_adds_nothing(store: Store) -> None:
    store.write_commits(NEXT, [OLD, FIX], scan=1)
    before = store.commit_stats()
    assert store.write_commits(NEXT, [OLD, FIX], scan=1) == 0
    assert store.commit_stats() == before
    assert (before["commits"], before["commit_refs"]) == (2, 3)


def test_commits_are_found_by_fixes_target_prefix_link_and_subject(store: Store) -> None:
    store.write_commits(NEXT, [OLD, FIX, RESPIN], scan=1)
    assert store.commits_fixing(CULPRIT) == [FIX, RESPIN]  # 12 and 8 digits both match
    assert store.commits_fixing("828fe4085caf" + "0" * 28) == [RESPIN]  # only 8 digits said
    assert store.commits_fixing("828fe407" + "0" * 32) == []
    assert store.commits_linking("r@x") == [FIX]
    assert store.commits_linking("other@x") == []
    assert store.commits_by_subject("drm/i915: subscribe") == [OLD, RESPIN]  # oldest first


def test_finishing_a_scan_marks_dropped_commits_and_moves_the_cursor(store: Store) -> None:
    assert store.git_cursor(NEXT) is None
    store.write_commits(NEXT, [OLD, FIX], scan=1)
    assert store.finish_git_scan(NEXT, FIX.sha, scan=1) == 0
    store.write_commits(NEXT, [RESPIN], scan=2)
    assert store.finish_git_scan(NEXT, RESPIN.sha, scan=2, dropped=[OLD.sha, "f" * 40]) == 1
    assert store.branches_of(OLD.sha) == {NEXT: False}
    assert store.branches_of(RESPIN.sha) == {NEXT: True}
    cursor = store.git_cursor(NEXT)
    assert cursor is not None and (cursor.head, cursor.scans) == (RESPIN.sha, 2)
    assert store.finish_git_scan(NEXT, RESPIN.sha, scan=2, dropped=[OLD.sha]) == 0


def test_after_a_full_rescan_every_unseen_commit_is_dropped(store: Store) -> None:
    store.write_commits(NEXT, [OLD, FIX], scan=1)
    store.finish_git_scan(NEXT, FIX.sha, scan=1)
    store.write_commits(NEXT, [FIX, RESPIN], scan=2)
    assert store.finish_git_scan(NEXT, RESPIN.sha, scan=2, unseen_dropped=True) == 1
    assert store.branches_of(OLD.sha) == {NEXT: False}
    assert store.branches_of(FIX.sha) == {NEXT: True}


def test_a_commit_back_on_its_branch_is_on_it_again(store: Store) -> None:
    store.write_commits(NEXT, [OLD], scan=1)
    store.finish_git_scan(NEXT, OLD.sha, scan=1)
    store.finish_git_scan(NEXT, FIX.sha, scan=2, dropped=[OLD.sha])
    store.write_commits(NEXT, [OLD], scan=3)
    assert store.branches_of(OLD.sha) == {NEXT: True}


def test_a_read_only_database_refuses_commits(store: Store, db_path: Path) -> None:
    reader = Store(db_path, read_only=True)
    with pytest.raises(StoreError, match="cannot write"):
        reader.write_commits(NEXT, [OLD], scan=1)
    reader.close()


def test_migration_four_adds_the_commit_tables_to_an_older_database(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    conn = sqlite3.connect(path, isolation_level=None)  # a file as regtrack 0.3 left it
    for script in MIGRATIONS[:3]:
        for statement in statements(script):
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    store = Store(path)
    assert MIGRATIONS[3] == COMMITS_SCHEMA and len(MIGRATIONS) == SCHEMA_VERSION
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.write_commits(NEXT, [OLD], scan=1) == 1
    store.close()


def test_migration_five_carries_the_commits_of_a_version_four_database(tmp_path: Path) -> None:
    path = tmp_path / "v4.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[: MIGRATIONS.index(COMMITS_SCHEMA) + 1]:
        for statement in statements(script):
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {MIGRATIONS.index(COMMITS_SCHEMA) + 1}")
    conn.execute(
        "INSERT INTO git_branches (id, repository, tree, branch) VALUES (7, 'r', 'next', 'm')"
    )
    for c in (OLD, FIX):  # as migration 4's writer stored them, bodies and all
        conn.execute(
            "INSERT INTO commits VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                c.sha,
                " ".join(c.parents),
                c.author_name,
                c.author_mail,
                c.authored_at,
                c.committed_at,
                c.subject,
                "Text.\n\nSigned-off-by: Carol Dev",
            ),
        )
        conn.executemany(
            "INSERT INTO commit_refs VALUES (?, ?, ?, ?, ?)",
            [(c.sha, n, ref.kind, ref.value, ref.target) for n, ref in enumerate(c.refs)],
        )
    conn.execute("INSERT INTO branch_commits VALUES (7, ?, 0, 1), (7, ?, 1, 1)", (OLD.sha, FIX.sha))
    conn.close()
    store = Store(path)
    key = BranchKey("r", "next", "m")
    assert store.commit(OLD.sha) == OLD and store.commit(FIX.sha) == FIX
    assert store.commits_fixing(CULPRIT) == [FIX] and store.commits_linking("r@x") == [FIX]
    assert store.branches_of(OLD.sha) == {key: False} and store.branches_of(FIX.sha) == {key: True}
    tables = {row[0] for row in store.conn.execute("SELECT name FROM sqlite_schema")}
    assert not {"commits_v4", "commit_refs_v4", "branch_commits_v4"} & tables
    assert store.write_commits(key, [RESPIN], scan=2) == 1
    assert store.commits_by_subject("drm/i915: subscribe") == [OLD, RESPIN]
    store.close()


LOOKUP_INDEXES = {
    "commits_sha", "commits_subject_nocase", "commit_refs_target",
    "commit_refs_prefix",
}  # fmt: skip


def _indexes(store: Store) -> set[str]:
    rows = store.conn.execute("SELECT name FROM sqlite_schema WHERE type = 'index'")
    return {name for (name,) in rows} & LOOKUP_INDEXES


def test_a_first_load_indexes_at_its_end(store: Store) -> None:
    load = CommitLoad(NEXT, scan=1)
    assert store.write_commit_batch(load, CommitBatch.of([OLD, FIX])) == 2
    assert load.bulk is True and _indexes(store) == set()  # appended, not indexed yet
    assert store.commits_fixing(CULPRIT) == [FIX]  # found all the same, by reading the table
    assert store.write_commit_batch(load, CommitBatch.of([RESPIN])) == 1
    store.finish_git_scan(NEXT, RESPIN.sha, scan=1)
    assert _indexes(store) == LOOKUP_INDEXES
    assert store.commits_by_subject("drm/i915: subscribe") == [OLD, RESPIN]
    assert store.branches_of(RESPIN.sha) == {NEXT: True}


def test_a_writer_during_a_first_load_indexes_and_the_load_then_merges(store: Store) -> None:
    load = CommitLoad(NEXT, scan=1)
    store.write_commit_batch(load, CommitBatch.of([OLD]))
    other = BranchKey("/src/linux/.git", "mainline", "master")
    assert store.write_commits(other, [OLD, FIX], scan=1) == 1  # OLD is known already
    assert _indexes(store) == LOOKUP_INDEXES
    assert store.write_commit_batch(load, CommitBatch.of([FIX, RESPIN])) == 1
    assert load.bulk is False
    assert store.commit_stats()["commits"] == 3
    assert store.branches_of(FIX.sha) == {NEXT: True, other: True}
    assert store.commit(FIX.sha) == FIX


def test_a_second_load_is_no_bulk_load(store: Store) -> None:
    store.write_commits(NEXT, [OLD], scan=1)
    load = CommitLoad(NEXT, scan=2)
    assert store.write_commit_batch(load, CommitBatch.of([OLD, FIX])) == 1
    assert load.bulk is False and _indexes(store) == LOOKUP_INDEXES


@pytest.mark.parametrize("kind", ["link", "closes", "fixes' OR 1=1 --"])
def test_only_commit_id_references_are_looked_up_by_commit(store: Store, kind: str) -> None:
    store.write_commits(NEXT, [OLD, FIX, RESPIN], scan=1)
    assert store.commits_referencing(kind, CULPRIT) == []


@pytest.mark.parametrize(
    "look_up",
    [
        pytest.param(lambda store: store.commit(FIX.sha), id="by commit id"),
        pytest.param(
            lambda store: store.commits_linking("r@x"), id="by the message-id a link names"
        ),
        pytest.param(lambda store: store.commits_fixing(CULPRIT), id="by the commit Fixes: names"),
        pytest.param(
            lambda store: store.commits_referencing("upstream", CULPRIT), id="by upstream commit"
        ),
        pytest.param(
            lambda store: store.commits_by_subject("drm/i915: subscribe"), id="by subject"
        ),
        pytest.param(lambda store: store.branches_of(FIX.sha), id="branches by commit id"),
    ],
)
def test_every_look_up_uses_an_index(store: Store, look_up) -> None:
    store.write_commits(NEXT, [OLD, FIX, RESPIN], scan=1)
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    look_up(store)
    store.conn.set_trace_callback(None)
    plans = [
        row[3]
        for sql in statements
        if sql.lstrip().upper().startswith("SELECT")
        for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}")
    ]
    assert plans and not [plan for plan in plans if plan.startswith("SCAN")], plans


# -- branch membership of a first load ------------------------------------------


def _first_load(store: Store, commits: list[Commit]) -> None:
    load = CommitLoad(NEXT, scan=1)
    store.write_commit_batch(load, CommitBatch.of(commits))
    assert load.bulk is True
    store.finish_git_scan(NEXT, commits[-1].sha, scan=1)


def _rows(store: Store) -> list[tuple]:
    return store.conn.execute("SELECT * FROM branch_commits ORDER BY commit_id").fetchall()


def test_a_first_load_holds_its_commits_on_the_branch_without_a_row_each(store: Store) -> None:
    _first_load(store, [OLD, FIX])
    assert _rows(store) == []
    assert store.branches_of(OLD.sha) == {NEXT: True} and store.branches_of(FIX.sha) == {NEXT: True}
    other = BranchKey("/src/linux/.git", "mainline", "master")
    store.write_commits(other, [FIX, RESPIN], scan=1)
    assert store.branches_of(FIX.sha) == {NEXT: True, other: True}
    assert store.branches_of(RESPIN.sha) == {other: True}  # a row after the load's: not NEXT's
    assert store.branches_of("c" * 40) == {}


def test_a_rebuild_drops_a_commit_of_the_first_load(store: Store) -> None:
    _first_load(store, [OLD, FIX])
    store.write_commits(NEXT, [RESPIN], scan=2)
    assert store.finish_git_scan(NEXT, RESPIN.sha, scan=2, dropped=[OLD.sha, "f" * 40]) == 1
    assert store.branches_of(OLD.sha) == {NEXT: False}
    assert store.branches_of(FIX.sha) == {NEXT: True}
    assert store.finish_git_scan(NEXT, RESPIN.sha, scan=2, dropped=[OLD.sha]) == 0
    store.write_commits(NEXT, [OLD], scan=3)  # back on the branch
    assert store.branches_of(OLD.sha) == {NEXT: True}


def test_a_rescan_after_a_first_load_drops_what_it_did_not_see(store: Store) -> None:
    _first_load(store, [OLD, FIX])
    store.write_commits(NEXT, [FIX, RESPIN], scan=2)
    assert store.finish_git_scan(NEXT, RESPIN.sha, scan=2, unseen_dropped=True) == 1
    assert store.branches_of(OLD.sha) == {NEXT: False}
    assert store.branches_of(FIX.sha) == {NEXT: True}
    assert store.branches_of(RESPIN.sha) == {NEXT: True}
    store.write_commits(NEXT, [FIX, RESPIN], scan=3)
    assert store.finish_git_scan(NEXT, RESPIN.sha, scan=3, unseen_dropped=True) == 0
    assert store.branches_of(OLD.sha) == {NEXT: False}
