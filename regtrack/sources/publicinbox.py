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
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from regtrack.errors import SourceError
from regtrack.sources import RawMail

_EPOCH_NAME = re.compile(r"^(\d+)\.git$")
# git maps pack files in windows of 1 GiB and, on 64-bit machines, keeps
# them mapped without a practical limit: read from start to end, an epoch's
# whole pack ended up mapped (and resident) in git's processes, so their
# memory grew with the archive (340 MB for `cat-file` at 50k messages).
# Small windows, few kept, and a small delta cache bound it.
_GIT_BOUNDED = (
    "-c",
    "core.packedGitWindowSize=8m",
    "-c",
    "core.packedGitLimit=32m",
    "-c",
    "core.deltaBaseCacheLimit=8m",
)


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


class EpochSource:
    """One epoch of a public-inbox v2 repository, read from a cursor on.

    ``cursor`` is the last commit already stored (None for the first run).
    When it is no longer in the history (the epoch was rewritten to purge a
    message), the whole epoch is read again; ingest is idempotent, so only
    what is new gets stored.
    """

    kind = "public-inbox"

    def __init__(self, epoch: Path, cursor: str | None, warn: Callable[[str], None]) -> None:
        self.epoch = epoch
        self.key = f"public-inbox:{epoch.resolve()}"
        self.label = str(epoch)
        self.warn = warn
        self.commits = self._new_commits(cursor)
        self.total: int | None = len(self.commits)

    def _git(self, *args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *_GIT_BOUNDED, f"--git-dir={self.epoch}", *args],
                capture_output=True,
                check=True,
                text=True,
            )
        except FileNotFoundError as exc:
            raise SourceError("git is not installed; it is needed to read public-inbox") from exc
        except subprocess.CalledProcessError as exc:
            detail = exc.stderr.strip().splitlines()[-1:] or ["no output"]
            raise SourceError(f"{self.epoch}: git {args[0]} failed: {detail[0]}") from exc
        return done.stdout

    def _new_commits(self, cursor: str | None) -> list[tuple[str, int]]:
        """(commit, commit time) pairs after ``cursor``, oldest first."""
        head = self._git("rev-parse", "--verify", "--quiet", "HEAD^{commit}").strip()
        if not head:
            return []  # an epoch with no commits yet
        revision = head
        if cursor:
            if cursor == head:
                return []
            if self._is_ancestor(cursor, head):
                revision = f"{cursor}..{head}"
            else:
                self.warn(f"{self.epoch}: stored cursor {cursor[:12]} is gone; reading it all")
        listing = self._git("log", "--reverse", "--format=%H %ct", revision)
        pairs = []
        for line in listing.splitlines():
            commit, _, stamp = line.partition(" ")
            pairs.append((commit, int(stamp or 0)))
        return pairs

    def _is_ancestor(self, cursor: str, head: str) -> bool:
        done = subprocess.run(
            ["git", f"--git-dir={self.epoch}", "merge-base", "--is-ancestor", cursor, head],
            capture_output=True,
        )
        return done.returncode == 0

    def __iter__(self) -> Iterator[RawMail]:
        if not self.commits:
            return
        proc = subprocess.Popen(
            ["git", *_GIT_BOUNDED, f"--git-dir={self.epoch}", "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert proc.stdin is not None and proc.stdout is not None
        try:
            for commit, stamp in self.commits:
                blob = _read_blob(proc, f"{commit}:m", self.epoch)
                if blob is None:
                    continue  # a deletion commit: it carries 'd', not 'm'
                yield RawMail(
                    blob,
                    f"{self.epoch}@{commit[:12]}",
                    archive_date=datetime.fromtimestamp(stamp, UTC) if stamp else None,
                    cursor=(self.key, commit),
                )
        finally:
            proc.stdin.close()
            proc.stdout.close()
            proc.wait()


def _read_blob(proc: subprocess.Popen[bytes], spec: str, epoch: Path) -> bytes | None:
    """Ask the running ``cat-file --batch`` for one object and read its answer."""
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(spec.encode() + b"\n")
    proc.stdin.flush()
    header = proc.stdout.readline()
    if not header:
        raise SourceError(f"{epoch}: git cat-file stopped answering at {spec}")
    fields = header.split()
    if len(fields) < 3 or fields[-1] == b"missing":
        return None
    size = int(fields[2])
    data = proc.stdout.read(size)
    proc.stdout.read(1)  # the newline after each object
    if len(data) != size:
        raise SourceError(f"{epoch}: short read of {spec} from git cat-file")
    return data
