"""Commits of a kernel git tree, read with one streaming ``git log``.

Fixes land in git: a commit's ``Link:``/``Closes:`` trailers name the
report or the patch posting (b4 adds ``Link: https://patch.msgid.link/<id>``),
``Fixes:`` names the culprit, a stable backport names its mainline commit
("commit <sha> upstream." or "[ Upstream commit <sha> ]", as the stable
scripts write it) and a revert names what it reverts ("This reverts commit
<sha>.", git revert's own words).  This module turns a branch's history into
batches of commits carrying those references (:class:`CommitBatch`, rows
ready to store, or :class:`Commit` records); it knows nothing of the
database (:mod:`regtrack.gitsync` stores them).

Reading is built for a whole kernel history (1.3 million commits): git's
output is decoded a chunk at a time, split at its NULs, and each commit
costs one tuple and one scan of its message for trailers.  The message
itself is not kept: what tracking needs is the subject and the references.
Where regtrack was installed with a C compiler at hand, the optional
compiled reader :mod:`regtrack._gitparse` does that work for the common
commit (an ASCII message naming no upstream or reverted commit) and hands
the others to :func:`message_fields`: the same rows, in a fifth of the
time (``REGTRACK_NO_COMPILED=1`` turns it off).

Everything that reaches git as an argument is checked first
(:func:`check_branch`, :func:`check_revision`): a branch name from mail or
the command line such as ``--upload-pack=x`` is refused, never passed on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from regtrack.errors import GitError, InvalidMessageIdError
from regtrack.extract.commits import COMMIT_ID, FULL_COMMIT_ID, normalise_commit_id
from regtrack.extract.links import MSGID_URL
from regtrack.gitcmd import stream_git, try_git
from regtrack.msgid import msgid_from_reference


def _compiled_reader() -> ModuleType | None:
    """The compiled reader of git's output, when it was built (a C compiler was at hand
    at install time) and not turned off with ``REGTRACK_NO_COMPILED``."""
    if os.environ.get("REGTRACK_NO_COMPILED"):
        return None
    try:
        from regtrack import _gitparse
    except ImportError:
        return None
    return _gitparse


COMPILED = _compiled_reader()

# The kinds of reference a commit makes, as stored in ``commit_refs.kind``.
REF_KINDS = ("link", "closes", "fixes", "reported-by", "upstream", "reverts")

# One record per commit, each field ended by a NUL (with -z the last one
# too): sha, parents, author name and mail, author and committer times
# (seconds since the epoch), the raw message.
_FIELDS = 7
_FORMAT = "--format=%H%x00%P%x00%an%x00%ae%x00%at%x00%ct%x00%B"

# A trailer: its key at the start of a line (blanks before it allowed), its
# value to the end of the line.  The pattern starts with the newline before
# the line: a literal lets the regex engine skip from line to line instead
# of trying every character of the message.
# The value's URL, when it starts with one, is a group of its own.
_TRAILER = re.compile(
    r"\n[ \t]*(Link|Closes|Fixes|Reported-by|Reported-and-tested-by):[ \t]*"
    r"(?=\S)((https?://\S+)?[^\n]*)",
    re.IGNORECASE,
)
# Trailer keys as written (most are) and in lower case (the rest).
_KINDS = {
    "Link": "link",
    "Closes": "closes",
    "Fixes": "fixes",
    "Reported-by": "reported-by",
    "Reported-and-tested-by": "reported-by",
    "link": "link",
    "closes": "closes",
    "fixes": "fixes",
    "reported-by": "reported-by",
    "reported-and-tested-by": "reported-by",
}
_FIXES = re.compile(rf'({COMMIT_ID})\b(?:\s*\(\s*"(.*)"\s*\))?')
# The forms the stable tree's scripts write at the top of a backport's body.
_UPSTREAM = re.compile(
    rf"^[ \t]*(?:\[[ \t]*upstream commit[ \t]+({COMMIT_ID})[ \t]*\]"
    rf"|commit[ \t]+({COMMIT_ID})[ \t]+upstream\.?)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_REVERTS = re.compile(rf"This reverts commit ({COMMIT_ID})\b", re.IGNORECASE)
# The forms nearly every commit's link takes, read without urllib: b4's
# patch.msgid.link/<id> and lore's /<list>/<id>/ with an id that needs no
# decoding.  Anything else goes through regtrack.msgid (same answer, slower).
_PLAIN_MSGID_URL = re.compile(
    r"https?://(?:patch\.msgid\.link|msgid\.link|lore\.kernel\.org/[\w.-]+)"
    r"/([^/%<>\s]+@[^/%<>\s]+)/?"
)
_FULL_SHA = re.compile(FULL_COMMIT_ID)
_HEX_DIGITS = b"0123456789abcdef"
# git check-ref-format's rules for a branch name, plus: no leading "-" (an
# option), no "@{" or ".." (revision syntax), ASCII printable only.
_BRANCH_CHARS = re.compile(r"[A-Za-z0-9._/+-]{1,200}")

RefFields = tuple[str, str, str | None]
"""A reference as (kind, value, target): see :class:`CommitRef`."""
CommitRow = tuple[str, str, str, str, str, str, str]
"""A commit as (sha, parents separated by spaces, author name, author mail,
authored and committed in seconds since the epoch as decimal text, subject)."""
RefRow = tuple[int, int, str, str, str | None]
"""A reference as (its commit's index in the batch, its position among the
commit's references, kind, value, target)."""


@dataclass(frozen=True, slots=True)
class CommitRef:
    """One reference a commit's message makes.

    ``kind`` is one of :data:`REF_KINDS`; ``value`` is what the message
    says (a URL, a commit id in lower case, a name and address);
    ``target`` is the message-id a link names or, for ``fixes``, the
    culprit's subject as the trailer quotes it.
    """

    kind: str
    value: str
    target: str | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    """A commit as tracking needs it: who, when, its subject, what it references.

    Dates are UTC ISO 8601.  ``subject`` is the first paragraph of the
    message joined into one line (as ``git log --format=%s`` shows it).  The
    rest of the message is not kept: its references are in ``refs``, and
    what a commit changes (its patch-id) is git's to tell, from the id.
    """

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_mail: str
    authored_at: str
    committed_at: str
    subject: str
    refs: tuple[CommitRef, ...] = ()

    def refs_of(self, kind: str) -> tuple[CommitRef, ...]:
        return tuple(ref for ref in self.refs if ref.kind == kind)

    @classmethod
    def of_row(cls, row: Sequence[Any], refs: Sequence[CommitRef] = ()) -> Commit:
        """A commit from its stored row (sha, parents, author name and mail, author and
        committer time in seconds since the epoch, subject): as git gave it, or the store."""
        sha, parents, name, mail, authored, committed, subject = row
        return cls(
            sha, tuple(parents.split()), name, mail, utc_iso(int(authored)),
            utc_iso(int(committed)), subject, tuple(refs),
        )  # fmt: skip


@dataclass(slots=True)
class CommitBatch:
    """Commits as rows ready to store, in the order git gave them.

    A scan of a whole history moves rows, not records: making a million
    :class:`Commit` objects would cost more than reading the commits.
    :meth:`records` gives the records when they are wanted.
    """

    commits: list[CommitRow] = field(default_factory=list)
    refs: list[RefRow] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.commits)

    def add(self, commit: CommitRow, refs: Sequence[RefFields]) -> None:
        index = len(self.commits)
        self.commits.append(commit)
        self.refs.extend((index, position, *ref) for position, ref in enumerate(refs))

    def records(self) -> list[Commit]:
        refs: dict[int, list[CommitRef]] = {}
        for index, _, kind, value, target in self.refs:
            refs.setdefault(index, []).append(CommitRef(kind, value, target))
        return [Commit.of_row(row, refs.get(index, ())) for index, row in enumerate(self.commits)]

    @classmethod
    def of(cls, commits: Sequence[Commit]) -> CommitBatch:
        """The rows of :class:`Commit` records (the inverse of :meth:`records`)."""
        batch = cls()
        for c in commits:
            row = (
                c.sha,
                " ".join(c.parents),
                c.author_name,
                c.author_mail,
                str(_seconds(c.authored_at)),
                str(_seconds(c.committed_at)),
                c.subject,
            )
            batch.add(row, [(ref.kind, ref.value, ref.target) for ref in c.refs])
        return batch


def utc_iso(seconds: int) -> str:
    """Seconds since the epoch as UTC ISO 8601 (``2023-07-20T12:00:00+00:00``)."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def _seconds(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())


def check_branch(branch: str) -> str:
    """``branch`` when it is a plain branch name git would accept, else a GitError.

    The name goes to git inside ``refs/heads/...``; refusing anything that
    looks like an option or a revision expression keeps a hostile name
    (``--upload-pack=x``, ``-x``, ``HEAD@{1}``, ``a..b``) from ever being
    read by git as anything but a name.
    """
    bad = (
        not _BRANCH_CHARS.fullmatch(branch)
        or branch.startswith(("-", "/", "."))
        or branch.endswith(("/", ".", ".lock"))
        or any(part in branch for part in ("..", "//", "/.", "@{"))
    )
    if bad:
        raise GitError(f"not a valid branch name: {branch!r}")
    return branch


def check_revision(revision: str) -> str:
    """A commit id (8 to 40 hex digits) in lower case, else a GitError.

    Revisions that reach git from stored data or from mail are commit ids
    only; names and expressions are resolved by regtrack itself.
    """
    sha = normalise_commit_id(revision) if re.fullmatch(COMMIT_ID, revision) else None
    if sha is None:
        raise GitError(f"not a commit id: {revision!r}")
    return sha


def open_repository(path: Path) -> Path:
    """The git directory of ``path`` (a bare repository or a work tree), else a GitError.

    A work tree's ``.git`` may be a file naming the real directory (a
    ``git worktree``); git answers where it is.
    """
    if not path.exists():
        raise GitError(f"{path}: no such repository")
    git_dir = path / ".git" if (path / ".git").exists() else path
    found = try_git(git_dir, "rev-parse", "--absolute-git-dir")
    if found is None or not found.strip():
        raise GitError(f"{path}: not a git repository")
    return Path(found.strip())


def default_branch(git_dir: Path) -> str:
    """The branch the repository's HEAD points at."""
    ref = try_git(git_dir, "symbolic-ref", "--quiet", "--short", "HEAD")
    if not ref or not ref.strip():
        raise GitError(f"{git_dir}: HEAD is not a branch; name one with --branch")
    return check_branch(ref.strip())


def branch_head(git_dir: Path, branch: str) -> str:
    """The full commit id ``branch`` points at (a local or a remote-tracking branch)."""
    check_branch(branch)
    for ref in (f"refs/heads/{branch}", f"refs/remotes/{branch}"):
        sha = try_git(git_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        if sha:
            return sha.strip()
    raise GitError(f"{git_dir}: no branch {branch!r}")


def is_ancestor(git_dir: Path, older: str, newer: str) -> bool:
    """Whether commit ``older`` is in the history of ``newer`` (both commit ids)."""
    older, newer = check_revision(older), check_revision(newer)
    return try_git(git_dir, "merge-base", "--is-ancestor", older, newer) is not None


def merge_base(git_dir: Path, one: str, other: str) -> str | None:
    """The best common ancestor of two commits, or None (no common history, or one is gone)."""
    one, other = check_revision(one), check_revision(other)
    found = try_git(git_dir, "merge-base", one, other)
    return found.strip() if found and found.strip() else None


def has_commit(git_dir: Path, sha: str) -> bool:
    """Whether the repository still holds commit ``sha`` (a rebased-away one may be pruned)."""
    sha = check_revision(sha)
    return try_git(git_dir, "cat-file", "-e", f"{sha}^{{commit}}") is not None


def commits_between(git_dir: Path, head: str, exclude: Sequence[str] = ()) -> Iterator[str]:
    """Ids of the commits in ``head``'s history but in none of ``exclude``'s, streamed."""
    revisions = [check_revision(head), *(f"^{check_revision(sha)}" for sha in exclude)]
    tail = b""
    for chunk in stream_git(git_dir, "rev-list", "--end-of-options", *revisions):
        lines = (tail + chunk).split(b"\n")
        tail = lines.pop()
        yield from (line.decode() for line in lines if line)
    if tail:
        yield tail.decode()


def read_commit_batches(
    git_dir: Path,
    head: str,
    exclude: Sequence[str] = (),
    *,
    size: int = 20_000,
    oldest_first: bool = False,
) -> Iterator[CommitBatch]:
    """The commits of ``head``'s history that are in none of ``exclude``'s, ``size`` a batch.

    One ``git log`` process streams them; memory stays flat however long
    the history (one batch and one chunk of git's output in hand).  The
    default order is git's (newest first), which git streams as it walks;
    ``oldest_first`` adds ``--reverse``, for which git first lists every
    commit of the range in its own memory.  The compiled reader, where
    built, reads git's bytes as they come; Python decodes and splits them.
    """
    revisions = [check_revision(head), *(f"^{check_revision(sha)}" for sha in exclude)]
    args = ["log", "-z", _FORMAT, "--encoding=UTF-8", "--no-color", "--no-show-signature"]
    args += ["--reverse"] if oldest_first else []
    batch = CommitBatch()
    tail = b""
    for chunk in stream_git(git_dir, *args, "--end-of-options", *revisions):
        data = tail + chunk
        cut = _records_end(data)
        if cut < 0:
            tail = data
            continue
        # Whole records only, so that field 7n starts record n.  A NUL never
        # ends inside a UTF-8 sequence: decoding the records at once gives
        # what decoding field by field would, a million calls fewer.
        tail = data[cut + 1 :]
        if COMPILED is not None:
            records = memoryview(data)[: cut + 1]
            start = 0
            while start < len(records):
                start = _parse_compiled(git_dir, records, start, batch, size)
                if len(batch) >= size:
                    yield batch
                    batch = CommitBatch()
            continue
        fields = data[:cut].decode(errors="replace").split("\0")
        start = 0
        while start < len(fields):
            start = _parse(git_dir, fields, start, batch, size)
            if len(batch) >= size:
                yield batch
                batch = CommitBatch()
    if tail:
        raise GitError(f"{git_dir}: git log output ended inside a commit record")
    if batch:
        yield batch


def read_commits(
    git_dir: Path, head: str, exclude: Sequence[str] = (), *, oldest_first: bool = False
) -> Iterator[Commit]:
    """The commits of :func:`read_commit_batches` as :class:`Commit` records, one at a time."""
    for batch in read_commit_batches(git_dir, head, exclude, oldest_first=oldest_first):
        yield from batch.records()


def _records_end(data: bytes) -> int:
    """Where the last whole record of ``data`` ends (its last NUL), or -1.

    With -z every field, the last of each record too, ends with a NUL.
    """
    end = data.rfind(b"\0")
    for _ in range(data.count(b"\0") % _FIELDS):
        end = data.rfind(b"\0", 0, end)
    return end


def _parse_compiled(
    git_dir: Path, records: memoryview, start: int, batch: CommitBatch, size: int
) -> int:
    """:func:`_parse` by the compiled reader, from git's bytes: returns where the next
    record starts."""
    assert COMPILED is not None
    try:
        return COMPILED.parse(
            records, start, size - len(batch), len(batch.commits), batch.commits, batch.refs,
            message_fields, _named_msgid,
        )  # fmt: skip
    except ValueError as error:
        raise GitError(f"{git_dir}: unexpected git log output near {error.args[0]!r}") from None


def _parse(git_dir: Path, fields: list[str], start: int, batch: CommitBatch, size: int) -> int:
    """Parse records from ``fields[start:]`` into ``batch`` until it holds ``size``;
    returns where the next record starts."""
    stop = min(len(fields), start + (size - len(batch)) * _FIELDS)
    shas = fields[start:stop:_FIELDS]
    if set(map(len, shas)) != {40} or "".join(shas).encode().translate(None, _HEX_DIGITS):
        bad = next(sha for sha in shas if not _FULL_SHA.fullmatch(sha))
        raise GitError(f"{git_dir}: unexpected git log output near {bad[:60]!r}")
    commits, refs = batch.commits, batch.refs
    index = len(commits)
    records = iter(fields[start:stop])
    for sha, parents, name, mail, authored, committed, message in zip(
        *[records] * _FIELDS, strict=True
    ):
        subject, found = message_fields(message)
        commits.append((sha, parents, name, mail, authored, committed, subject))
        for position, ref in enumerate(found):
            refs.append((index, position, *ref))
        index += 1
    return stop


def message_fields(message: str) -> tuple[str, list[RefFields]]:
    """The subject of a commit's raw message (as ``git log --format=%s`` gives it)
    and the references its body makes.

    The compiled reader (:mod:`regtrack._gitparse`) hands the messages it
    leaves to Python here, so both ways give the same rows.
    """
    if message.startswith("\n"):
        message = message.lstrip("\n")
    cut = message.find("\n\n")
    head = message.rstrip("\n") if cut < 0 else message[:cut]
    subject = head.strip() if "\n" not in head else _one_line(head)
    if cut < 0:
        return subject, []
    return subject, _refs_in(message, cut + 1, _mentions_backport(message))


def _one_line(paragraph: str) -> str:
    return " ".join(line.strip() for line in paragraph.splitlines())


def split_message(message: str) -> tuple[str, str]:
    """The subject (first paragraph, one line) and the body after it."""
    message = message.strip("\n")
    head, _, body = message.partition("\n\n")
    return (head.strip() if "\n" not in head else _one_line(head)), body.strip("\n")


def extract_refs(body: str) -> tuple[CommitRef, ...]:
    """The references a commit's body makes, in the order they appear.

    Trailers follow Documentation/process/submitting-patches.rst: ``Fixes:``
    with 8 to 40 hex digits in either case (12 asked for, fewer and more seen;
    regzbot's exactly-12 rule misses both), ``Link:``/``Closes:`` with a URL.
    """
    text = "\n" + body
    return tuple(CommitRef(*ref) for ref in _refs_in(text, 0, _mentions_backport(text)))


def _mentions_backport(text: str) -> str | None:
    """``text`` in lower case when it says "upstream" or "reverts", else None.

    Few commits are backports or reverts: this test spares the others the
    patterns that find their lines.
    """
    lowered = text.lower()
    return lowered if "pstream" in lowered or "everts" in lowered else None


def _refs_in(text: str, start: int, lowered: str | None) -> list[RefFields]:
    """The references of the body that follows the newline at ``text[start]``.

    ``lowered`` is the text in lower case when it may name an upstream or a
    reverted commit (:func:`_mentions_backport`), else None.
    """
    if lowered is not None:
        return _refs_in_order(text, start, lowered)
    found = []
    for key, value, url in _TRAILER.findall(text, start):
        ref = _trailer_ref(key, value, url)
        if ref is not None:
            found.append(ref)
    return list(dict.fromkeys(found)) if len(found) > 1 else found


def _refs_in_order(text: str, start: int, lowered: str) -> list[RefFields]:
    """:func:`_refs_in` for a body that may name an upstream or a reverted commit."""
    found: list[tuple[int, RefFields]] = []
    for match in _TRAILER.finditer(text, start):
        ref = _trailer_ref(*match.groups())
        if ref is not None:
            found.append((match.start(), ref))
    if lowered.find("pstream", start) >= 0:
        for match in _UPSTREAM.finditer(text, start + 1):
            sha = normalise_commit_id(match.group(1) or match.group(2))
            found.append((match.start(), ("upstream", sha, None)))
    if lowered.find("everts commit", start) >= 0:
        for match in _REVERTS.finditer(text, start):
            found.append((match.start(), ("reverts", normalise_commit_id(match.group(1)), None)))
    found.sort(key=lambda item: item[0])
    return list(dict.fromkeys(ref for _, ref in found))


def _trailer_ref(key: str, value: str, url: str | None) -> RefFields | None:
    """The reference of one trailer; ``url`` is the URL the value starts with, if any."""
    kind = _KINDS.get(key) or _KINDS[key.lower()]
    if kind == "link" or kind == "closes":
        if not url:
            return None
        address = url.rstrip(".,;:>)")
        return kind, address, _named_msgid(address)
    if kind == "fixes":
        fixes = _FIXES.match(value)
        if fixes is None:
            return None
        return kind, normalise_commit_id(fixes.group(1)), fixes.group(2)
    return kind, value.rstrip(" \t"), None


def _named_msgid(url: str) -> str | None:
    """The message-id a lore-style URL names, or None for other URLs (bugzilla, CI)."""
    plain = _PLAIN_MSGID_URL.fullmatch(url)
    if plain is not None:
        return plain.group(1)
    if not MSGID_URL.fullmatch(url):
        return None
    try:
        msgid = msgid_from_reference(url)
    except InvalidMessageIdError:
        return None
    return msgid if "@" in msgid else None
