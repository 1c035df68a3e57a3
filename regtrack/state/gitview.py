"""What tracking asks about the scanned git trees, answered from the store (and, to check
that a respun commit carries a fix, from the repository itself).

Every question is asked of the commits ``regtrack scan-git`` stored; when no
commit is stored at all (mail only), :attr:`GitView.empty` lets derivation
skip them.  Only one question needs git: which lines a commit adds (``git
show``), asked for the few commits that could be a respun culprit, with a
full commit id that came out of the store (40 hex digits, checked again
here), never with text from mail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from regtrack.errors import GitError
from regtrack.extract.patches import added_lines, patch_id
from regtrack.gitcmd import try_git
from regtrack.gitscan import Commit
from regtrack.store import Store
from regtrack.store import commits as commit_tables
from regtrack.store.commits import BranchKey

_FULL_SHA = re.compile(r"[0-9a-f]{40}")
_PATCH_ID = re.compile(r"[0-9a-f]{40}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_PATH = re.compile(r"[\w.+,@=~-][\w./+,@=~-]{0,250}")  # a file of a diff, as mail names it
_COMMIT_LINE = re.compile(r"^commit ", re.MULTILINE)
_MAX_PATHS = 50
_MAX_CANDIDATES = 2000
_STABLE_BRANCH = re.compile(r"(?:^|/)linux-(\d+\.\d+)\.y$")


@dataclass(frozen=True, slots=True)
class Placement:
    """A branch that holds (or held) a commit, as tracking names trees.

    ``tree`` is ``mainline``, ``next`` or ``stable-N.M`` (a stable branch
    ``linux-N.M.y``; plain ``stable`` when the branch name gives no series).
    """

    tree: str
    branch: BranchKey
    present: bool


def tree_name(key: BranchKey) -> str:
    """The tracking tree of a scanned branch: stable branches name their series."""
    if key.tree == "stable":
        match = _STABLE_BRANCH.search(key.branch)
        return f"stable-{match.group(1)}" if match else "stable"
    return key.tree


class GitView:
    """Read-only questions about stored commits, cached for one derivation run."""

    def __init__(self, store: Store) -> None:
        self._conn = store.conn
        self.empty = self._conn.execute("SELECT 1 FROM commits LIMIT 1").fetchone() is None
        self.linking = lru_cache(maxsize=None)(self._linking)
        self.by_subject = lru_cache(maxsize=None)(self._by_subject)
        self.with_prefix = lru_cache(maxsize=None)(self._with_prefix)
        self.referencing = lru_cache(maxsize=None)(self._referencing)
        self.placements = lru_cache(maxsize=None)(self._placements)
        self.commit_change = lru_cache(maxsize=None)(self._commit_change)
        self._patch_ids = lru_cache(maxsize=None)(self._patch_ids_touching)
        self._heads: tuple[tuple[str, str], ...] | None = None

    def commit(self, sha: str) -> Commit | None:
        return None if self.empty else commit_tables.commit(self._conn, sha)

    def with_patch_id(self, patch_id: str, files: Sequence[str], since: str) -> tuple[str, ...]:
        """Commits of the scanned branches, committed after ``since``, touching ``files``,
        whose ``git patch-id --stable`` is ``patch_id``.  ``files`` come from mail: they reach
        git only after ``--``, as literal paths (``--literal-pathspecs``), never as options."""
        if self.empty or not _PATCH_ID.fullmatch(patch_id):
            return ()
        paths = tuple(sorted(f for f in files if _PATH.fullmatch(f)))[:_MAX_PATHS]
        if not paths:
            return ()
        found: list[str] = []
        for repository, head in self.heads():
            for sha, candidate in self._patch_ids(repository, head, _day_before(since), paths):
                if candidate == patch_id and sha not in found:
                    found.append(sha)
        return tuple(found)

    def heads(self) -> tuple[tuple[str, str], ...]:
        """(repository, head) of every scanned branch."""
        if self._heads is None:
            rows = self._conn.execute(
                "SELECT repository, head FROM git_branches WHERE head IS NOT NULL "
                "ORDER BY repository, head"
            )
            self._heads = tuple(dict.fromkeys((r, h) for r, h in rows if _FULL_SHA.fullmatch(h)))
        return self._heads

    def _patch_ids_touching(
        self, repository: str, head: str, since: str, paths: tuple[str, ...]
    ) -> tuple[tuple[str, str], ...]:
        """(commit, patch-id) of the commits from ``head`` since the day ``since`` that touch
        ``paths``: one ``git log -p`` (at most :data:`_MAX_CANDIDATES` commits)."""
        if not _DAY.fullmatch(since):
            return ()
        try:
            out = try_git(
                Path(repository), "--literal-pathspecs", "log", "--no-merges", "--full-diff",
                "-p", "--no-color", "--no-ext-diff", "--format=commit %H", f"--since={since}",
                f"--max-count={_MAX_CANDIDATES}", head, "--", *paths,
            )  # fmt: skip
        except GitError:
            return ()
        if out is None:
            return ()
        found = []
        for chunk in _COMMIT_LINE.split(out)[1:]:
            sha, _, diff = chunk.partition("\n")
            patch = patch_id(diff)
            if _FULL_SHA.fullmatch(sha) and patch:
                found.append((sha, patch))
        return tuple(found)

    def _linking(self, msgid: str) -> tuple[Commit, ...]:
        return () if self.empty else tuple(commit_tables.commits_linking(self._conn, msgid))

    def _by_subject(self, subject: str) -> tuple[Commit, ...]:
        if self.empty or not subject:
            return ()
        return tuple(commit_tables.commits_by_subject_nocase(self._conn, subject))

    def _with_prefix(self, prefix: str) -> tuple[Commit, ...]:
        if self.empty or len(prefix) < 8:
            return ()
        return tuple(commit_tables.commits_with_prefix(self._conn, prefix))

    def _referencing(self, kind: str, sha: str) -> tuple[Commit, ...]:
        if self.empty:
            return ()
        return tuple(commit_tables.commits_referencing(self._conn, kind, sha))

    def _placements(self, sha: str) -> tuple[Placement, ...]:
        if self.empty:
            return ()
        found = commit_tables.branch_state(self._conn, sha)
        return tuple(
            Placement(tree_name(key), key, present)
            for key, present in sorted(found.items(), key=lambda item: _order(item[0]))
        )

    def _commit_change(self, repository: str, sha: str) -> dict[str, frozenset[str]] | None:
        """The lines each file gains in the commit (``git show``); None when the repository
        cannot tell (moved away, or the commit pruned)."""
        if not _FULL_SHA.fullmatch(sha):
            return None
        try:
            out = try_git(Path(repository), "show", "--format=", "--no-color", "--no-ext-diff", sha)
        except GitError:
            return None
        return None if out is None else added_lines(out)


def _day_before(moment: str) -> str:
    """The day before an ISO date: the search starts a day early, for time zones."""
    try:
        return (datetime.fromisoformat(moment) - timedelta(days=1)).date().isoformat()
    except ValueError:
        return ""


def _order(key: BranchKey) -> tuple[int, str, str, str]:
    """Mainline first, then next, then stable (regzbot's lookup order for a culprit)."""
    rank = {"mainline": 0, "next": 1, "stable": 2}.get(key.tree, 3)
    return rank, key.branch, key.repository, key.tree
