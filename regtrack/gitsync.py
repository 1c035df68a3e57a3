"""Keeping the stored commits of a kernel tree's branches current: incremental, rebase-aware.

The first scan of a branch reads its whole history; later scans read only
what is new since the head scanned last (the branch's cursor).  linux-next
is rebuilt every day, so its new head is often no descendant of the old
one: then the commits between the merge base and the old head that the
new head lacks are the ones the rebuild dropped (``git rev-list OLD
^NEW``), marked as no longer on the branch, and of the commits after the
merge base only those the old head lacked are read (``git log NEW ^OLD``;
the others were stored as on the branch when the old head was scanned).
A culprit replaced by a respun commit (same subject, new id) is therefore
known to have left the branch while its replacement is on it.  When the
old head no longer exists (pruned after the rebuild), the branch is read
whole again and every commit the rescan did not see is marked dropped.

The cursor moves only when the whole range is stored: a scan killed half
way leaves the commits it stored (harmless, they are content-addressed)
and the old cursor, so the next scan redoes the range.  Scanning twice
changes nothing.  The first scan of a database loads its commits before
indexing them (:mod:`regtrack.store.commits`); the indexes are built when
it finishes, or by the next write if it was killed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from regtrack.errors import GitError
from regtrack.gitscan import (
    CommitBatch,
    branch_head,
    check_branch,
    commits_between,
    default_branch,
    has_commit,
    is_ancestor,
    merge_base,
    open_repository,
    read_commit_batches,
)
from regtrack.store import Store
from regtrack.store.commits import TREES, BranchKey, CommitLoad

# Commits per transaction.  A first scan appends its rows (the look-up
# indexes are built at its end); a later one puts them into the indexes,
# where a larger batch dirties each index page fewer times per commit.
# Memory: about 10 MB of rows in hand.
BATCH = 20_000
# Commits per transaction of a first scan, which only appends: small enough
# that git's next output fits in its pipe (1 MiB) while a batch is stored, so
# git goes on walking the history meanwhile instead of waiting.
FIRST_SCAN_BATCH = 2_000
# Pages of WAL between checkpoints while a scan writes: each checkpoint
# syncs the file, and small batches would otherwise checkpoint every few.
WAL_PAGES = 16_384
# The page cache of the writing connection while it scans, as ingest's:
# indexes keyed by commit id take their rows in random order.
WRITER_CACHE_KIB = 32 * 1024


@dataclass(frozen=True, slots=True)
class BranchScan:
    """What one scan of one branch did.

    ``mode`` is ``first`` (whole branch), ``incremental`` (old head..new
    head), ``unchanged`` (nothing to read), ``rewritten`` (the commits after
    ``merge_base`` that the old head did not have) or ``rescan`` (the old
    head is gone: whole branch again).
    """

    repository: str
    tree: str
    branch: str
    head: str
    previous_head: str | None
    merge_base: str | None
    mode: str
    read: int
    new: int
    dropped: int


def scan_branch(store: Store, repository: Path, tree: str, branch: str | None) -> BranchScan:
    """Read a branch's new commits into the store and move its cursor (see module doc).

    ``branch`` None means the branch the repository's HEAD names.
    """
    if tree not in TREES:
        raise GitError(f"unknown tree {tree!r}; one of: {', '.join(TREES)}")
    git_dir = open_repository(repository)
    name = check_branch(branch) if branch is not None else default_branch(git_dir)
    head = branch_head(git_dir, name)
    key = BranchKey(str(git_dir), tree, name)
    cursor = store.git_cursor(key)
    scan = (cursor.scans if cursor else 0) + 1
    previous = cursor.head if cursor else None
    mode, exclude, dropped, base = _plan(git_dir, previous, head)
    if mode == "unchanged":
        return BranchScan(key.repository, tree, name, head, previous, None, mode, 0, 0, 0)
    size = BATCH if store.has_commits() else FIRST_SCAN_BATCH
    batches = read_commit_batches(git_dir, head, exclude, size=size)
    read, new = _store_commits(store, CommitLoad(key, scan), batches)
    gone = store.finish_git_scan(key, head, scan, dropped, unseen_dropped=mode == "rescan")
    return BranchScan(key.repository, tree, name, head, previous, base, mode, read, new, gone)


def _plan(
    git_dir: Path, previous: str | None, head: str
) -> tuple[str, list[str], Iterable[str], str | None]:
    """The scan's mode, the commits whose history to leave out, the dropped commits, and
    (after a rewrite) the merge base of the old and the new head."""
    if previous is None:
        return "first", [], [], None
    if previous == head:
        return "unchanged", [], [], None
    if not has_commit(git_dir, previous):
        return "rescan", [], [], None
    if is_ancestor(git_dir, previous, head):
        return "incremental", [previous], [], None
    # Streamed into the final transaction: git starts listing them only then, and however
    # many a rewrite dropped, none is held in memory.
    dropped = commits_between(git_dir, previous, [head])
    return "rewritten", [previous], dropped, merge_base(git_dir, previous, head)


def _store_commits(
    store: Store, load: CommitLoad, batches: Iterator[CommitBatch]
) -> tuple[int, int]:
    """Store the batches, one transaction each; returns (read, new).

    (Threads gained nothing: a writer thread beside the parsing, because
    both halves are Python holding the GIL; a thread reading git's output
    ahead, because SQLite lets go of the GIL once per row and every time
    the reader took it the store waited: storing took twice as long.)
    """
    read = new = 0
    page_cache = store.conn.execute("PRAGMA cache_size").fetchone()[0]
    wal_pages = store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    store.conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
    store.conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_PAGES}")
    try:
        with _no_cycle_collection():
            for batch in batches:
                new += store.write_commit_batch(load, batch)
                read += len(batch)
    finally:
        store.conn.execute(f"PRAGMA cache_size = {page_cache}")
        store.conn.execute(f"PRAGMA wal_autocheckpoint = {wal_pages}")
    return read, new


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused: a scan makes millions of tuples of strings,
    which form no cycles, and the collector's passes over them cost about 6% of the scan."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
