"""Scanning branches into the store: first, incremental, rewritten, rescanned; the CLI.

The repositories are real, built in ``tmp_path`` (:mod:`tests.gitrepo`):
next is rebuilt by a rebase that drops the culprit for a respun commit.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from regtrack.cli import main
from regtrack.errors import GitError, StoreError
from regtrack.gitscan import (
    open_repository,
)
from regtrack.gitsync import scan_branch
from regtrack.store import Store
from regtrack.store.commits import BranchKey
from tests.gitrepo import CULPRIT_SUBJECT, FIX_POSTING, REPORT, Trees, build_trees, rebuild_next


@pytest.fixture
def trees(tmp_path: Path, git_env: dict[str, str]) -> Trees:
    return build_trees(tmp_path, git_env)


def _dump(store: Store) -> dict[str, list[tuple]]:
    tables = ("commits", "commit_refs", "branch_commits")
    return {t: sorted(store.conn.execute(f"SELECT * FROM {t}").fetchall()) for t in tables}


# -- scanning ------------------------------------------------------------------


def test_first_scan_reads_the_whole_branch_then_nothing(trees: Trees, store: Store) -> None:
    first = scan_branch(store, trees.repo.path, "mainline", None)
    assert (first.branch, first.mode, first.read, first.new, first.dropped) == (
        "master",
        "first",
        5,
        5,
        0,
    )
    before = _dump(store)
    again = scan_branch(store, trees.repo.path, "mainline", "master")
    assert (again.mode, again.read, again.new) == ("unchanged", 0, 0)
    assert _dump(store) == before


def test_an_incremental_scan_reads_only_new_commits(trees: Trees, store: Store) -> None:
    scan_branch(store, trees.repo.path, "mainline", "master")
    trees.repo.commit("mm: one\n", "a.c", "1\n")
    newest = trees.repo.commit("mm: two\n", "a.c", "2\n")
    scan = scan_branch(store, trees.repo.path, "mainline", "master")
    assert (scan.mode, scan.read, scan.new, scan.head, scan.previous_head) == (
        "incremental",
        2,
        2,
        newest,
        trees.revert,
    )
    assert store.commit_stats()["commits"] == 7


def test_a_commit_on_two_branches_is_stored_once(trees: Trees, store: Store) -> None:
    scan_branch(store, trees.repo.path, "mainline", "master")
    stable = scan_branch(store, trees.repo.path, "stable", "linux-6.4.y")
    assert (stable.read, stable.new) == (3, 2)  # v6.4 was known from mainline
    key = BranchKey(str(open_repository(trees.repo.path)), "stable", "linux-6.4.y")
    assert store.branches_of(trees.base)[key] is True


def test_a_rewritten_next_is_read_from_the_merge_base(trees: Trees, store: Store) -> None:
    path = trees.repo.path
    scan_branch(store, path, "next", "next")
    new_head = rebuild_next(trees)
    scan = scan_branch(store, path, "next", "next")
    assert (scan.mode, scan.read, scan.new, scan.dropped) == ("rewritten", 2, 2, 2)
    key = BranchKey(str(open_repository(path)), "next", "next")
    respun = store.commits_by_subject(CULPRIT_SUBJECT)
    on_next = {c.sha: store.branches_of(c.sha).get(key) for c in respun}
    assert on_next[trees.next_culprit] is False  # the culprit left next
    respin = store.commit(new_head)
    assert respin is not None and respin.parents[0] in on_next
    assert on_next[respin.parents[0]] is True  # its replacement is there
    assert store.branches_of(trees.next_head)[key] is False
    assert store.branches_of(new_head)[key] is True
    assert store.git_cursor(key).head == new_head


def test_a_rebuild_with_the_same_commits_changes_nothing(trees: Trees, store: Store) -> None:
    scan_branch(store, trees.repo.path, "next", "next")
    rebuild_next(trees, respin=False)  # the same culprit: the same ids again
    scan = scan_branch(store, trees.repo.path, "next", "next")
    assert (scan.mode, scan.read, scan.dropped) == ("unchanged", 0, 0)


def test_a_pruned_old_head_means_a_full_rescan(trees: Trees, store: Store) -> None:
    path = trees.repo.path
    scan_branch(store, path, "next", "next")
    rebuild_next(trees)
    trees.repo.git("reflog", "expire", "--expire=now", "--all")
    trees.repo.git("gc", "-q", "--prune=now")
    scan = scan_branch(store, path, "next", "next")
    assert (scan.mode, scan.read, scan.new, scan.dropped) == ("rescan", 5, 2, 2)
    key = BranchKey(str(open_repository(path)), "next", "next")
    assert store.branches_of(trees.next_culprit)[key] is False
    assert store.branches_of(trees.base)[key] is True


def test_rescanning_after_a_rewrite_changes_nothing(trees: Trees, store: Store) -> None:
    scan_branch(store, trees.repo.path, "next", "next")
    rebuild_next(trees)
    scan_branch(store, trees.repo.path, "next", "next")
    before = _dump(store)
    assert scan_branch(store, trees.repo.path, "next", "next").mode == "unchanged"
    assert _dump(store) == before


def test_stored_commits_answer_by_reference(trees: Trees, store: Store) -> None:
    scan_branch(store, trees.repo.path, "mainline", "master")
    scan_branch(store, trees.repo.path, "stable", "linux-6.4.y")
    assert [c.sha for c in store.commits_fixing(trees.culprit)] == [trees.fix]
    assert [c.sha for c in store.commits_linking(REPORT)] == [trees.fix]
    assert [c.sha for c in store.commits_linking(FIX_POSTING)] == [trees.fix]
    assert [c.sha for c in store.commits_referencing("reverts", trees.culprit)] == [trees.revert]
    assert [c.sha for c in store.commits_referencing("upstream", trees.fix)] == [trees.backport]
    assert [c.sha for c in store.commits_referencing("upstream", trees.revert)] == [trees.cherry]


def test_an_unknown_branch_or_tree_is_refused(trees: Trees, store: Store) -> None:
    with pytest.raises(GitError, match=r"no branch 'nope'"):
        scan_branch(store, trees.repo.path, "next", "nope")
    with pytest.raises(GitError, match=r"unknown tree 'linus'"):
        scan_branch(store, trees.repo.path, "linus", None)


def test_a_remote_tracking_branch_of_a_clone_is_scanned(
    trees: Trees, store: Store, tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(trees.repo.path), str(clone)], check=True)
    scan = scan_branch(store, clone, "next", "origin/next")
    assert (scan.branch, scan.head, scan.read) == ("origin/next", trees.next_head, 5)


def test_a_scan_that_fails_half_way_keeps_the_cursor_and_completes_later(
    trees: Trees, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("regtrack.gitsync.BATCH", 2)
    monkeypatch.setattr("regtrack.gitsync.FIRST_SCAN_BATCH", 2)
    # A real refusal: SQLite aborts the batch that holds the culprit (the third batch).
    store.conn.execute(
        f"CREATE TRIGGER refuse BEFORE INSERT ON commits WHEN new.sha = '{trees.culprit}' "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    with pytest.raises(
        StoreError, match=r"cannot write commits \(refused\); the batch was rolled back"
    ):
        scan_branch(store, trees.repo.path, "mainline", "master")
    key = BranchKey(str(open_repository(trees.repo.path)), "mainline", "master")
    assert store.git_cursor(key) is None
    assert store.commit_stats()["commits"] == 2  # the first batch (newest first) is kept
    assert not _lookup_indexes(store)  # a first scan indexes at its end, which never came
    assert [c.sha for c in store.commits_linking(REPORT)] == [trees.fix]
    store.conn.execute("DROP TRIGGER refuse")
    scan = scan_branch(store, trees.repo.path, "mainline", "master")
    assert (scan.mode, scan.read, scan.new) == ("first", 5, 3)
    assert store.git_cursor(key).head == trees.revert
    assert _lookup_indexes(store) == {
        "commits_sha",
        "commits_subject_nocase",
        "commit_refs_target",
        "commit_refs_prefix",
    }
    assert [c.sha for c in store.commits_fixing(trees.culprit)] == [trees.fix]


def _lookup_indexes(store: Store) -> set[str]:
    rows = store.conn.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name IN "
        "('commits', 'commit_refs') AND name NOT LIKE 'sqlite_autoindex%'"
    )
    return {name for (name,) in rows}


# -- the command ---------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    with CliRunner().isolation() as (stdout, stderr, _):
        code = main(list(args))
    return code, stdout.getvalue().decode(), stderr.getvalue().decode()


def test_scan_git_prints_one_line_per_branch(trees: Trees, db_path: Path) -> None:
    path = str(trees.repo.path)
    code, out, err = run("scan-git", path, "--tree", "mainline", "--db", str(db_path))
    assert (code, err) == (0, "")
    assert out == (
        f"5 commits read, 5 new, 0 no longer on mainline/master "
        f"(first scan, head {trees.revert[:12]}); database {db_path}\n"
    )
    rebuild_next(trees)
    code, out, _ = run(
        "scan-git",
        path,
        "--tree",
        "next",
        "--branch",
        "next",
        "--branch",
        "next",
        "--db",
        str(db_path),
    )
    assert code == 0 and out.splitlines()[1].startswith(
        "0 commits read, 0 new, 0 no longer on next/next"
    )


def test_scan_git_json(trees: Trees, db_path: Path) -> None:
    path = str(trees.repo.path)
    run("scan-git", path, "--tree", "next", "--branch", "next", "--db", str(db_path))
    head = rebuild_next(trees)
    code, out, _ = run(
        "scan-git", path, "--tree", "next", "--branch", "next", "--db", str(db_path), "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["database"] == str(db_path)
    assert data["branches"] == [
        {
            "repository": str((trees.repo.path / ".git").resolve()),
            "tree": "next",
            "branch": "next",
            "head": head,
            "previous_head": trees.next_head,
            "merge_base": trees.repo.git("rev-parse", "v6.5-rc1"),
            "mode": "rewritten",
            "read": 2,
            "new": 2,
            "dropped": 2,
        }
    ]


@pytest.mark.parametrize("branch", ["--upload-pack=touch pwned", "-x"])
def test_scan_git_refuses_a_hostile_branch(trees: Trees, db_path: Path, branch: str) -> None:
    code, out, err = run(
        "scan-git",
        str(trees.repo.path),
        "--tree",
        "next",
        f"--branch={branch}",
        "--db",
        str(db_path),
    )
    assert (code, out) == (1, "")
    assert err == f"regtrack: error: not a valid branch name: {branch!r}\n"
    assert not (trees.repo.path / "pwned").exists()


def test_scan_git_refuses_a_path_that_is_no_repository(tmp_path: Path, db_path: Path) -> None:
    code, _, err = run("scan-git", str(tmp_path), "--tree", "mainline", "--db", str(db_path))
    assert code == 1 and err == f"regtrack: error: {tmp_path}: not a git repository\n"
    code, _, err = run("scan-git", str(tmp_path / "no"), "--tree", "mainline", "--db", str(db_path))
    assert code == 1 and err == f"regtrack: error: {tmp_path / 'no'}: no such repository\n"
