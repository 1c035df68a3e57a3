"""The commit tables: commits of kernel trees, what they reference, which branch holds them.

This module is the one writer of ``commits``, ``commit_refs``,
``git_branches`` and ``branch_commits`` (created by :data:`COMMITS_SCHEMA`,
migration 4 in :mod:`regtrack.store.schema`).

* ``commits``: one row per commit id, whichever tree it was read from; the
  subject and the body are kept whole, because matching a fix by subject or
  by the change a respin carries needs more than the trailers.
* ``commit_refs``: the references a commit's message makes
  (:data:`regtrack.gitscan.REF_KINDS`), with the message-id a link names
  (``target``), so a report's id finds its fixing commits by index.
* ``git_branches``: each scanned branch (repository, tree, branch) with its
  cursor, the head its last finished scan read up to (NULL until then).
* ``branch_commits``: which commits each scanned branch holds, by the
  branch's row number.  A commit that a rebase took off a branch
  (linux-next is rebuilt daily) keeps its row with ``on_branch = 0``: it
  was there, and is no longer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from regtrack.gitscan import Commit, CommitRef

# Migration 4 (appended to regtrack.store.schema.MIGRATIONS).
COMMITS_SCHEMA = """
CREATE TABLE commits (
    sha TEXT PRIMARY KEY,
    parents TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_mail TEXT NOT NULL,
    authored_at TEXT NOT NULL,
    committed_at TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX commits_subject ON commits(subject);
CREATE TABLE commit_refs (
    sha TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    target TEXT,
    PRIMARY KEY (sha, position)
);
CREATE INDEX commit_refs_target ON commit_refs(target) WHERE target IS NOT NULL;
CREATE INDEX commit_refs_prefix ON commit_refs(kind, substr(value, 1, 8));
CREATE TABLE git_branches (
    id INTEGER PRIMARY KEY,
    repository TEXT NOT NULL,
    tree TEXT NOT NULL,
    branch TEXT NOT NULL,
    head TEXT,
    scans INTEGER NOT NULL DEFAULT 0,
    scanned_at TEXT,
    UNIQUE (repository, tree, branch)
);
CREATE TABLE branch_commits (
    branch_id INTEGER NOT NULL,
    sha TEXT NOT NULL,
    on_branch INTEGER NOT NULL,
    seen_scan INTEGER NOT NULL,
    PRIMARY KEY (branch_id, sha)
) WITHOUT ROWID;
CREATE INDEX branch_commits_sha ON branch_commits(sha)
"""
# The kinds of tree a branch belongs to, in regzbot's priority order.
TREES = ("next", "mainline", "stable")

_COMMIT_COLUMNS = "sha, parents, author_name, author_mail, authored_at, committed_at, subject, body"


@dataclass(frozen=True, slots=True)
class BranchKey:
    """One scanned branch: the repository's git directory, its tree, the branch's name."""

    repository: str
    tree: str
    branch: str


@dataclass(frozen=True, slots=True)
class GitCursor:
    """Where the last scan of a branch ended, and how many scans it has had."""

    head: str
    scans: int
    scanned_at: str


def branch_id(conn: sqlite3.Connection, key: BranchKey) -> int:
    """The branch's row number in ``git_branches``, made on first use."""
    conn.execute(
        "INSERT OR IGNORE INTO git_branches (repository, tree, branch) VALUES (?, ?, ?)",
        (key.repository, key.tree, key.branch),
    )
    row = conn.execute(
        "SELECT id FROM git_branches WHERE repository = ? AND tree = ? AND branch = ?",
        (key.repository, key.tree, key.branch),
    ).fetchone()
    return int(row[0])


def write_commits(
    conn: sqlite3.Connection, key: BranchKey, commits: Sequence[Commit], scan: int
) -> int:
    """Store commits and mark them on the branch; returns how many were new to the table."""
    branch = branch_id(conn, key)
    before = conn.total_changes
    conn.executemany(
        f"INSERT OR IGNORE INTO commits ({_COMMIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                c.sha,
                " ".join(c.parents),
                c.author_name,
                c.author_mail,
                c.authored_at,
                c.committed_at,
                c.subject,
                c.body,
            )
            for c in commits
        ],
    )
    new = conn.total_changes - before
    conn.executemany(
        "INSERT OR IGNORE INTO commit_refs (sha, position, kind, value, target) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (c.sha, position, ref.kind, ref.value, ref.target)
            for c in commits
            for position, ref in enumerate(c.refs)
        ],
    )
    conn.executemany(
        "INSERT INTO branch_commits (branch_id, sha, on_branch, seen_scan) VALUES (?, ?, 1, ?) "
        "ON CONFLICT DO UPDATE SET on_branch = 1, seen_scan = excluded.seen_scan",
        [(branch, c.sha, scan) for c in commits],
    )
    return new


def mark_dropped(conn: sqlite3.Connection, key: BranchKey, shas: Iterable[str]) -> int:
    """Mark commits as no longer on the branch; returns how many were on it until now."""
    branch = branch_id(conn, key)
    before = conn.total_changes
    conn.executemany(
        "UPDATE branch_commits SET on_branch = 0 WHERE branch_id = ? AND sha = ? AND on_branch = 1",
        ((branch, sha) for sha in shas),
    )
    return conn.total_changes - before


def mark_unseen_dropped(conn: sqlite3.Connection, key: BranchKey, scan: int) -> int:
    """After a full rescan: every commit on the branch that this scan did not see is dropped."""
    return conn.execute(
        "UPDATE branch_commits SET on_branch = 0 "
        "WHERE branch_id = ? AND on_branch = 1 AND seen_scan < ?",
        (branch_id(conn, key), scan),
    ).rowcount


def cursor(conn: sqlite3.Connection, key: BranchKey) -> GitCursor | None:
    """Where the branch's last finished scan ended; None before the first one finished."""
    row = conn.execute(
        "SELECT head, scans, scanned_at FROM git_branches "
        "WHERE repository = ? AND tree = ? AND branch = ? AND head IS NOT NULL",
        (key.repository, key.tree, key.branch),
    ).fetchone()
    return GitCursor(*row) if row else None


def write_cursor(conn: sqlite3.Connection, key: BranchKey, head: str, scan: int, now: str) -> None:
    conn.execute(
        "UPDATE git_branches SET head = ?, scans = ?, scanned_at = ? WHERE id = ?",
        (head, scan, now, branch_id(conn, key)),
    )


def commit(conn: sqlite3.Connection, sha: str) -> Commit | None:
    """The stored commit with this full id, with its references."""
    found = _commits(conn, "WHERE sha = ?", (sha.lower(),))
    return found[0] if found else None


def commits_linking(conn: sqlite3.Connection, msgid: str) -> list[Commit]:
    """Commits whose ``Link:`` or ``Closes:`` names this message-id, oldest first."""
    return _commits(
        conn,
        "WHERE sha IN (SELECT sha FROM commit_refs WHERE target = ? "
        "AND kind IN ('link', 'closes'))",
        (msgid,),
    )


def commits_referencing(conn: sqlite3.Connection, kind: str, sha: str) -> list[Commit]:
    """Commits whose ``kind`` reference (fixes, upstream, reverts) names commit ``sha``.

    References may abbreviate (``Fixes: 828fe4085cae``): one matches when it
    is a prefix of ``sha``, or ``sha`` of it (an abbreviated id from mail for
    a commit the scanned history lacks, as a shallow clone does); ``sha`` is
    best the full id.
    """
    sha = sha.lower()
    return _commits(
        conn,
        "WHERE sha IN (SELECT sha FROM commit_refs WHERE kind = ? "
        "AND substr(value, 1, 8) = ? AND (? LIKE value || '%' OR value LIKE ? || '%'))",
        (kind, sha[:8], sha, sha),
    )


def commits_by_subject(conn: sqlite3.Connection, subject: str) -> list[Commit]:
    """Commits with exactly this subject (a culprit and its respins share one), oldest first."""
    return _commits(conn, "WHERE subject = ?", (subject,))


def branch_state(conn: sqlite3.Connection, sha: str) -> dict[BranchKey, bool]:
    """Every scanned branch that held commit ``sha``, and whether it still does."""
    rows = conn.execute(
        "SELECT repository, tree, branch, on_branch FROM branch_commits "
        "JOIN git_branches ON git_branches.id = branch_id WHERE sha = ?",
        (sha.lower(),),
    )
    return {BranchKey(repo, tree, branch): bool(on) for repo, tree, branch, on in rows}


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """How many commits, references and scanned branches are stored."""
    return {
        "commits": conn.execute("SELECT COUNT(*) FROM commits").fetchone()[0],
        "commit_refs": conn.execute("SELECT COUNT(*) FROM commit_refs").fetchone()[0],
        "git_branches": conn.execute(
            "SELECT COUNT(*) FROM git_branches WHERE head IS NOT NULL"
        ).fetchone()[0],
    }


def _commits(conn: sqlite3.Connection, where: str, values: tuple[str, ...]) -> list[Commit]:
    rows = conn.execute(
        f"SELECT {_COMMIT_COLUMNS} FROM commits {where} ORDER BY committed_at, sha", values
    ).fetchall()
    refs = _refs(conn, [row[0] for row in rows])
    return [
        Commit(
            sha=row[0],
            parents=tuple(row[1].split()),
            author_name=row[2],
            author_mail=row[3],
            authored_at=row[4],
            committed_at=row[5],
            subject=row[6],
            body=row[7],
            refs=refs.get(row[0], ()),
        )
        for row in rows
    ]


def _refs(conn: sqlite3.Connection, shas: list[str]) -> dict[str, tuple[CommitRef, ...]]:
    found: dict[str, list[CommitRef]] = {}
    for start in range(0, len(shas), 900):
        chunk = shas[start : start + 900]
        rows = conn.execute(
            "SELECT sha, kind, value, target FROM commit_refs "
            f"WHERE sha IN ({','.join('?' * len(chunk))}) ORDER BY sha, position",
            chunk,
        )
        for sha, kind, value, target in rows:
            found.setdefault(sha, []).append(CommitRef(kind, value, target))
    return {sha: tuple(refs) for sha, refs in found.items()}


def commits_by_subject_nocase(conn: sqlite3.Connection, subject: str) -> list[Commit]:
    """Commits with this subject in any case (a posting says "Rename", the commit "rename")."""
    return _commits(conn, "WHERE subject = ? COLLATE NOCASE", (subject,))


def commits_with_prefix(conn: sqlite3.Connection, prefix: str) -> list[Commit]:
    """Commits whose id starts with ``prefix`` (an abbreviated id from mail), oldest first."""
    prefix = prefix.lower()
    return _commits(conn, "WHERE sha >= ? AND sha < ?", (prefix, prefix + "g"))
