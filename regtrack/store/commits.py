"""The commit tables: commits of kernel trees, what they reference, which branch holds them.

This module is the one writer of ``commits``, ``commit_refs``,
``git_branches`` and ``branch_commits`` (created by :data:`COMMITS_SCHEMA`,
migration 4 in :mod:`regtrack.store.schema`, and remade by
:data:`COMMITS_BY_ROW_SCHEMA`, migration 5).

* ``commits``: one row per commit id, whichever tree it was read from, with
  its row number (``id``) by which the other tables name it; the subject is
  kept, the rest of the message is not (its references are in
  ``commit_refs``; what a commit changes is git's to tell from its id).
* ``commit_refs``: the references a commit's message makes
  (:data:`regtrack.gitscan.REF_KINDS`), with the message-id a link names
  (``target``), so a report's id finds its fixing commits by index.
* ``git_branches``: each scanned branch (repository, tree, branch) with its
  cursor, the head its last finished scan read up to (NULL until then), and
  ``loaded_to``: the last commit row of the first load of a database, when
  the load was this branch's (see below).
* ``branch_commits``: which commits each scanned branch holds, by the
  branch's and the commit's row numbers.  A commit that a rebase took off a
  branch (linux-next is rebuilt daily) keeps its row with ``on_branch = 0``:
  it was there, and is no longer.  The commits of a first load (rows 1 to
  ``loaded_to``, every one of them on the loading branch) get no row: the
  branch holds them unless a row says otherwise.  Tracking asks about a
  handful of commits, and a million rows a branch cost a tenth of the scan;
  a row is written for such a commit only when a rebuild drops it.

Writing is built for a whole kernel history at once.  Row numbers are given
in the order commits arrive, so ``commit_refs`` and ``branch_commits`` grow
at their ends.  The look-up indexes (by id, subject, message-id, referenced
commit) take keys in random order; a scan that finds the ``commits`` table
empty (the first scan of a database) therefore drops them and builds them
once at the end (:func:`restore_indexes`, a sort), rather than inserting a
million random keys one by one.  Any other writer first restores them, so a
bulk load killed half way leaves correct tables that the next write indexes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice

from regtrack.gitscan import Commit, CommitBatch, CommitRef

# Migration 4 (appended to regtrack.store.schema.MIGRATIONS): released, kept as it was.
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

# The kinds of reference whose value is a commit id (indexed by its first 8 digits).
_COMMIT_KINDS = ("fixes", "upstream", "reverts")
# The look-up indexes a bulk load builds at its end (see the module doc).
LOOKUP_INDEXES = {
    "commits_sha": "CREATE UNIQUE INDEX IF NOT EXISTS commits_sha ON commits(sha)",
    # By subject in any case (tracking compares subjects so; an exact look-up filters it):
    # migration 6 puts it in place of migration 5's exact-case index, one index less to build.
    "commits_subject_nocase": "CREATE INDEX IF NOT EXISTS commits_subject_nocase "
    "ON commits(subject COLLATE NOCASE)",
    "commit_refs_target": "CREATE INDEX IF NOT EXISTS commit_refs_target "
    "ON commit_refs(target) WHERE kind IN ('link', 'closes') AND target IS NOT NULL",
    "commit_refs_prefix": "CREATE INDEX IF NOT EXISTS commit_refs_prefix "
    f"ON commit_refs(kind, substr(value, 1, 8)) WHERE kind IN {_COMMIT_KINDS}",
}

# Migration 5: commits named by row number, without their bodies; dates in
# seconds since the epoch.  What migration 4 stored is carried over (the
# references a body made are in commit_refs already).
COMMITS_BY_ROW_SCHEMA = f"""
DROP INDEX commits_subject;
DROP INDEX commit_refs_target;
DROP INDEX commit_refs_prefix;
DROP INDEX branch_commits_sha;
ALTER TABLE commits RENAME TO commits_v4;
ALTER TABLE commit_refs RENAME TO commit_refs_v4;
ALTER TABLE branch_commits RENAME TO branch_commits_v4;
CREATE TABLE commits (
    id INTEGER PRIMARY KEY,
    sha TEXT NOT NULL,
    parents TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_mail TEXT NOT NULL,
    authored_at INTEGER NOT NULL,
    committed_at INTEGER NOT NULL,
    subject TEXT NOT NULL
);
INSERT INTO commits (sha, parents, author_name, author_mail, authored_at, committed_at, subject)
SELECT sha, parents, author_name, author_mail, CAST(strftime('%s', authored_at) AS INTEGER),
    CAST(strftime('%s', committed_at) AS INTEGER), subject
FROM commits_v4 ORDER BY rowid;
{LOOKUP_INDEXES["commits_sha"]};
CREATE INDEX IF NOT EXISTS commits_subject ON commits(subject);
CREATE TABLE commit_refs (
    commit_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    target TEXT,
    PRIMARY KEY (commit_id, position)
) WITHOUT ROWID;
INSERT INTO commit_refs (commit_id, position, kind, value, target)
SELECT commits.id, position, kind, value, target
FROM commit_refs_v4 JOIN commits USING (sha);
{LOOKUP_INDEXES["commit_refs_target"]};
{LOOKUP_INDEXES["commit_refs_prefix"]};
CREATE TABLE branch_commits (
    branch_id INTEGER NOT NULL,
    commit_id INTEGER NOT NULL,
    on_branch INTEGER NOT NULL,
    seen_scan INTEGER NOT NULL,
    PRIMARY KEY (branch_id, commit_id)
) WITHOUT ROWID;
INSERT INTO branch_commits (branch_id, commit_id, on_branch, seen_scan)
SELECT branch_id, commits.id, on_branch, seen_scan
FROM branch_commits_v4 JOIN commits USING (sha);
CREATE INDEX branch_commits_commit ON branch_commits(commit_id);
ALTER TABLE git_branches ADD COLUMN loaded_to INTEGER;
CREATE INDEX git_branches_loaded_to ON git_branches(loaded_to);
DROP TABLE commits_v4;
DROP TABLE commit_refs_v4;
DROP TABLE branch_commits_v4
"""
# The kinds of tree a branch belongs to, by priority: regzbot's three after a subsystem tree
# (net-next, drm-next, ...), which feeds next and which regzbot does not know.
TREES = ("subsystem", "next", "mainline", "stable")

_COMMIT_COLUMNS = "sha, parents, author_name, author_mail, authored_at, committed_at, subject"


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


@dataclass(slots=True)
class CommitLoad:
    """One scan's writing of commits into a branch, batch after batch.

    ``bulk`` is decided by the first batch: True when it found no commit
    stored, so that this scan loads without look-up indexes (module doc);
    it turns False for good when another writer has restored them.
    """

    key: BranchKey
    scan: int
    bulk: bool | None = None


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


def write_batch(conn: sqlite3.Connection, load: CommitLoad, batch: CommitBatch) -> int:
    """Store a batch of commits and mark them on the load's branch; returns how many
    were new to the table.  Call inside a transaction."""
    branch = branch_id(conn, load.key)
    if load.bulk is None:
        load.bulk = not has_commits(conn)
        if load.bulk:
            for name in LOOKUP_INDEXES:
                conn.execute(f"DROP INDEX IF EXISTS {name}")
    elif load.bulk and _has_index(conn, "commits_sha"):
        load.bulk = False
    if not load.bulk:
        restore_indexes(conn)
    first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM commits").fetchone()[0]
    if load.bulk:
        return _append(conn, branch, batch, first)
    return _merge(conn, branch, load.scan, batch, first)


def has_commits(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM commits)").fetchone()[0] == 1


def write_commits(
    conn: sqlite3.Connection, key: BranchKey, commits: Sequence[Commit], scan: int
) -> int:
    """Store :class:`Commit` records and mark them on the branch; returns how many were new."""
    return write_batch(conn, CommitLoad(key, scan, bulk=False), CommitBatch.of(commits))


def restore_indexes(conn: sqlite3.Connection) -> None:
    """Build the look-up indexes a bulk load dropped (nothing to do when they exist)."""
    for statement in LOOKUP_INDEXES.values():
        conn.execute(statement)


def _has_index(conn: sqlite3.Connection, name: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?", (name,)
        ).fetchone()
        is not None
    )


_INSERT_COMMITS = f"INSERT INTO commits ({_COMMIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
_REF_COLUMNS = "commit_id, position, kind, value, target"


def _append(conn: sqlite3.Connection, branch: int, batch: CommitBatch, first: int) -> int:
    """A bulk load's batch: every commit is new (the table was empty and git lists a
    commit once), so its row number is ``first`` plus its index in the batch.

    The dates go in as git's decimal text; the INTEGER columns store them as numbers.
    """
    conn.executemany(_INSERT_COMMITS, batch.commits)
    last = conn.execute("SELECT max(id) FROM commits").fetchone()[0]
    if last != first + len(batch) - 1:  # rows are numbered max(id) + 1 on: cannot happen
        raise sqlite3.IntegrityError(f"commit rows numbered {first}..{last}, not in sequence")
    conn.executemany(
        f"INSERT INTO commit_refs ({_REF_COLUMNS}) VALUES ({first:d} + ?, ?, ?, ?, ?)", batch.refs
    )
    # Rows 1 to last are all on the branch (the load began with an empty table): no row each.
    conn.execute("UPDATE git_branches SET loaded_to = ? WHERE id = ?", (last, branch))
    return len(batch)


def _merge(conn: sqlite3.Connection, branch: int, scan: int, batch: CommitBatch, first: int) -> int:
    """Any other batch: commits already stored (from another branch, or an earlier
    scan) are left as they are and only marked on the branch.

    The batch goes in sorted by commit id, so the id index is walked in order.
    """
    order = sorted(range(len(batch)), key=lambda index: batch.commits[index][0])
    before = conn.total_changes
    conn.executemany(
        _INSERT_COMMITS.replace("INSERT", "INSERT OR IGNORE", 1), [batch.commits[i] for i in order]
    )
    new = conn.total_changes - before
    if new == len(batch):
        ids = dict(zip(order, range(first, first + new), strict=True))
    else:
        stored = _ids(conn, [sha for sha, *_ in batch.commits])
        ids = {index: stored[commit[0]] for index, commit in enumerate(batch.commits)}
    refs = [(ids[index], *rest) for index, *rest in batch.refs if ids[index] >= first]
    conn.executemany(
        f"INSERT INTO commit_refs ({_REF_COLUMNS}) VALUES (?, ?, ?, ?, ?)", sorted(refs)
    )
    conn.executemany(
        "INSERT INTO branch_commits (branch_id, commit_id, on_branch, seen_scan) "
        "VALUES (?, ?, 1, ?) "
        "ON CONFLICT DO UPDATE SET on_branch = 1, seen_scan = excluded.seen_scan",
        [(branch, commit_id, scan) for commit_id in sorted(ids.values())],
    )
    return new


def _ids(conn: sqlite3.Connection, shas: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(shas), 900):
        chunk = shas[start : start + 900]
        found.update(
            conn.execute(
                f"SELECT sha, id FROM commits WHERE sha IN ({','.join('?' * len(chunk))})", chunk
            )
        )
    return found


def mark_dropped(conn: sqlite3.Connection, key: BranchKey, shas: Iterable[str]) -> int:
    """Mark commits as no longer on the branch; returns how many were on it until now.

    A commit of the branch's first load has no row until then: it gets one,
    off the branch (its ``seen_scan`` 0: which scan saw it is not kept).
    """
    branch = branch_id(conn, key)
    before = conn.total_changes
    each = iter(shas)
    while rows := [(branch, sha) for sha in islice(each, 10_000)]:
        conn.executemany(
            "UPDATE branch_commits SET on_branch = 0 WHERE branch_id = ? AND on_branch = 1 "
            "AND commit_id = (SELECT id FROM commits WHERE sha = ?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO branch_commits (branch_id, commit_id, on_branch, seen_scan) "
            "SELECT git_branches.id, commits.id, 0, 0 FROM git_branches, commits "
            "WHERE git_branches.id = ? AND commits.sha = ? AND commits.id <= loaded_to "
            "ON CONFLICT DO NOTHING",
            rows,
        )
    return conn.total_changes - before


def mark_unseen_dropped(conn: sqlite3.Connection, key: BranchKey, scan: int) -> int:
    """After a full rescan: every commit on the branch that this scan did not see is dropped.

    The rescan wrote a row for each commit it saw; the commits of the first
    load that have none were not seen.
    """
    branch = branch_id(conn, key)
    loaded = conn.execute(
        "INSERT INTO branch_commits (branch_id, commit_id, on_branch, seen_scan) "
        "SELECT git_branches.id, commits.id, 0, 0 FROM git_branches, commits "
        "WHERE git_branches.id = ? AND commits.id <= loaded_to "
        "ON CONFLICT DO NOTHING",
        (branch,),
    ).rowcount
    conn.execute("UPDATE git_branches SET loaded_to = NULL WHERE id = ?", (branch,))
    return (
        loaded
        + conn.execute(
            "UPDATE branch_commits SET on_branch = 0 "
            "WHERE branch_id = ? AND on_branch = 1 AND seen_scan < ?",
            (branch, scan),
        ).rowcount
    )


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
        "WHERE id IN (SELECT commit_id FROM commit_refs WHERE target = ? "
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
    if kind not in _COMMIT_KINDS:
        return []
    sha = sha.lower()
    # The index holds these kinds only; SQLite uses it when the query repeats its condition.
    return _commits(
        conn,
        "WHERE id IN (SELECT commit_id FROM commit_refs "
        f"WHERE kind IN {_COMMIT_KINDS} AND kind = ? "
        "AND substr(value, 1, 8) = ? AND (? LIKE value || '%' OR value LIKE ? || '%'))",
        (kind, sha[:8], sha, sha),
    )


def commits_by_subject(conn: sqlite3.Connection, subject: str) -> list[Commit]:
    """Commits with exactly this subject (a culprit and its respins share one), oldest first."""
    return _commits(conn, "WHERE subject = ? COLLATE NOCASE AND subject = ?", (subject, subject))


def branch_state(conn: sqlite3.Connection, sha: str) -> dict[BranchKey, bool]:
    """Every scanned branch that held commit ``sha``, and whether it still does: its
    rows, and the branch whose first load holds it without one (module doc)."""
    one = "(SELECT id FROM commits WHERE sha = :sha)"
    rows = conn.execute(
        "SELECT repository, tree, branch, on_branch FROM branch_commits "
        f"JOIN git_branches ON git_branches.id = branch_id WHERE commit_id = {one} "
        "UNION ALL "
        f"SELECT repository, tree, branch, 1 FROM git_branches WHERE loaded_to >= {one} "
        "AND NOT EXISTS (SELECT 1 FROM branch_commits "
        f"WHERE branch_id = git_branches.id AND commit_id = {one})",
        {"sha": sha.lower()},
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
        f"SELECT id, {_COMMIT_COLUMNS} FROM commits {where} ORDER BY committed_at, sha", values
    ).fetchall()
    refs = _refs(conn, [row[0] for row in rows])
    return [Commit.of_row(row[1:], refs.get(row[0], ())) for row in rows]


def _refs(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple[CommitRef, ...]]:
    found: dict[int, list[CommitRef]] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        rows = conn.execute(
            "SELECT commit_id, kind, value, target FROM commit_refs "
            f"WHERE commit_id IN ({','.join('?' * len(chunk))}) ORDER BY commit_id, position",
            chunk,
        )
        for commit_id, kind, value, target in rows:
            found.setdefault(commit_id, []).append(CommitRef(kind, value, target))
    return {commit_id: tuple(refs) for commit_id, refs in found.items()}


def commits_by_subject_nocase(conn: sqlite3.Connection, subject: str) -> list[Commit]:
    """Commits with this subject in any case (a posting says "Rename", the commit "rename")."""
    return _commits(conn, "WHERE subject = ? COLLATE NOCASE", (subject,))


def commits_with_prefix(conn: sqlite3.Connection, prefix: str) -> list[Commit]:
    """Commits whose id starts with ``prefix`` (an abbreviated id from mail), oldest first."""
    prefix = prefix.lower()
    return _commits(conn, "WHERE sha >= ? AND sha < ?", (prefix, prefix + "g"))
