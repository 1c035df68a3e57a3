"""public-inbox v2 repositories, as lore mirrors (``lei``, ``grokmirror``) hold them.

A v2 inbox is a directory with epochs ``git/0.git``, ``git/1.git``, ...; each
epoch is a bare git repository with one commit per message, the message in
the file ``m`` (a commit with ``d`` instead records a deletion).  Blobs are
read through one ``git cat-file --batch`` process per epoch, never one
process per message.  The last commit stored is remembered per epoch, so a
second ingest reads only commits added since.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from regtrack.gitcmd import ObjectReader, run_git, try_git
from regtrack.sources import RawMail, SourceInfo

_EPOCH_NAME = re.compile(r"^(\d+)\.git$")


def is_git_repository(path: Path) -> bool:
    """A bare git repository (an epoch) has HEAD and objects/ at its top."""
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def find_epochs(path: Path) -> list[Path]:
    """The epochs of an inbox, in order; a path that is one epoch gives itself."""
    if is_git_repository(path):
        return [path]
    git_dir = path / "git"
    if not git_dir.is_dir():
        return []
    epochs = []
    for entry in git_dir.iterdir():
        match = _EPOCH_NAME.match(entry.name)
        if match and is_git_repository(entry):
            epochs.append((int(match.group(1)), entry))
    return [entry for _, entry in sorted(epochs)]


def epoch_info(epoch: Path) -> SourceInfo:
    """What an epoch is called; its key holds the cursor (the last commit stored)."""
    return SourceInfo.for_path("public-inbox", epoch)


class EpochSource:
    """One epoch of a public-inbox v2 repository, read from a cursor on.

    ``cursor`` is the last commit already stored (None for the first run).
    When it is no longer in the history (the epoch was rewritten to purge a
    message), the whole epoch is read again; ingest is idempotent, so only
    what is new gets stored.
    """

    def __init__(self, epoch: Path, cursor: str | None, warn: Callable[[str], None]) -> None:
        self.epoch = epoch
        self.info = epoch_info(epoch)
        self.warn = warn
        self.commits = self._new_commits(cursor)
        self.total: int | None = len(self.commits)

    def _new_commits(self, cursor: str | None) -> list[tuple[str, int]]:
        """(commit, commit time) pairs after ``cursor``, oldest first."""
        head = (
            try_git(self.epoch, "rev-parse", "--verify", "--quiet", "HEAD^{commit}") or ""
        ).strip()
        if not head:
            return []  # an epoch with no commits yet
        revision = head
        if cursor:
            if cursor == head:
                return []
            if try_git(self.epoch, "merge-base", "--is-ancestor", cursor, head) is not None:
                revision = f"{cursor}..{head}"
            else:
                self.warn(f"{self.epoch}: stored cursor {cursor[:12]} is gone; reading it all")
        listing = run_git(self.epoch, "log", "--reverse", "--format=%H %ct", revision)
        pairs = []
        for line in listing.splitlines():
            commit, _, stamp = line.partition(" ")
            pairs.append((commit, int(stamp or 0)))
        return pairs

    def __iter__(self) -> Iterator[RawMail]:
        if not self.commits:
            return
        with ObjectReader(self.epoch) as objects:
            for commit, stamp in self.commits:
                blob = objects.read(f"{commit}:m")
                if blob is None:
                    continue  # a deletion commit: it carries 'd', not 'm'
                yield RawMail(
                    blob,
                    f"{self.epoch}@{commit[:12]}",
                    archive_date=datetime.fromtimestamp(stamp, UTC) if stamp else None,
                    cursor=(self.info.key, commit),
                )
