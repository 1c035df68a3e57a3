"""Commits of a kernel git tree, read with one streaming ``git log``.

Fixes land in git: a commit's ``Link:``/``Closes:`` trailers name the
report or the patch posting (b4 adds ``Link: https://patch.msgid.link/<id>``),
``Fixes:`` names the culprit, a stable backport names its mainline commit
("commit <sha> upstream." or "[ Upstream commit <sha> ]", as the stable
scripts write it) and a revert names what it reverts ("This reverts commit
<sha>.", git revert's own words).  This module turns a branch's history into
:class:`Commit` records carrying those references; it knows nothing of the
database (:mod:`regtrack.gitsync` stores them).

Everything that reaches git as an argument is checked first
(:func:`check_branch`, :func:`check_revision`): a branch name from mail or
the command line such as ``--upload-pack=x`` is refused, never passed on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from regtrack.errors import GitError, InvalidMessageIdError
from regtrack.extract.commits import COMMIT_ID, FULL_COMMIT_ID, normalise_commit_id
from regtrack.extract.links import MSGID_URL
from regtrack.gitcmd import stream_git, try_git
from regtrack.msgid import msgid_from_reference

# The kinds of reference a commit makes, as stored in ``commit_refs.kind``.
REF_KINDS = ("link", "closes", "fixes", "reported-by", "upstream", "reverts")

# One record per commit, its fields separated by NUL and, with -z, the
# records too: sha, parents, author name and mail, author and committer
# times (seconds since the epoch), the raw message.
_FIELDS = 7
_FORMAT = "--format=%H%x00%P%x00%an%x00%ae%x00%at%x00%ct%x00%B"

_TRAILER = re.compile(
    r"^[ \t]*(Link|Closes|Fixes|Reported-by|Reported-and-tested-by):[ \t]*(\S.*?)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_FIXES = re.compile(rf'({COMMIT_ID})\b(?:\s*\(\s*"(.*)"\s*\))?')
# The forms the stable tree's scripts write at the top of a backport's body.
_UPSTREAM = re.compile(
    rf"^[ \t]*(?:\[[ \t]*upstream commit[ \t]+({COMMIT_ID})[ \t]*\]"
    rf"|commit[ \t]+({COMMIT_ID})[ \t]+upstream\.?)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_REVERTS = re.compile(rf"This reverts commit ({COMMIT_ID})\b", re.IGNORECASE)
_URL = re.compile(r"https?://\S+")
# The forms nearly every commit's link takes, read without urllib: b4's
# patch.msgid.link/<id> and lore's /<list>/<id>/ with an id that needs no
# decoding.  Anything else goes through regtrack.msgid (same answer, slower).
_PLAIN_MSGID_URL = re.compile(
    r"https?://(?:patch\.msgid\.link|msgid\.link|lore\.kernel\.org/[\w.-]+)"
    r"/([^/%<>\s]+@[^/%<>\s]+)/?"
)
_FULL_SHA = re.compile(FULL_COMMIT_ID)
# git check-ref-format's rules for a branch name, plus: no leading "-" (an
# option), no "@{" or ".." (revision syntax), ASCII printable only.
_BRANCH_CHARS = re.compile(r"[A-Za-z0-9._/+-]{1,200}")


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
    """A commit as tracking needs it: who, when, what it says, what it references.

    Dates are UTC ISO 8601.  ``subject`` is the first paragraph of the
    message joined into one line (as ``git log --format=%s`` shows it);
    ``body`` is the rest of the message, trailers included.
    """

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_mail: str
    authored_at: str
    committed_at: str
    subject: str
    body: str
    refs: tuple[CommitRef, ...] = ()

    def refs_of(self, kind: str) -> tuple[CommitRef, ...]:
        return tuple(ref for ref in self.refs if ref.kind == kind)


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


def read_commits(
    git_dir: Path, head: str, exclude: Sequence[str] = (), *, oldest_first: bool = False
) -> Iterator[Commit]:
    """The commits of ``head``'s history that are in none of ``exclude``'s, one at a time.

    One ``git log`` process streams them; memory stays flat however long
    the history.  The default order is git's (newest first), which git
    streams as it walks; ``oldest_first`` adds ``--reverse``, for which git
    first lists every commit of the range in its own memory.
    """
    revisions = [check_revision(head), *(f"^{check_revision(sha)}" for sha in exclude)]
    args = ["log", "-z", _FORMAT, "--encoding=UTF-8", "--no-color", "--no-show-signature"]
    args += ["--reverse"] if oldest_first else []
    fields: list[bytes] = []
    tail = b""
    for chunk in stream_git(git_dir, *args, "--end-of-options", *revisions):
        parts = (tail + chunk).split(b"\0")
        tail = parts.pop()
        fields.extend(parts)
        whole = len(fields) - len(fields) % _FIELDS
        for start in range(0, whole, _FIELDS):
            yield parse_record(git_dir, fields[start : start + _FIELDS])
        del fields[:whole]
    if tail:
        fields.append(tail)
    if len(fields) == _FIELDS:
        yield parse_record(git_dir, fields)
    elif fields:
        raise GitError(f"{git_dir}: git log output ended inside a commit record")


def parse_record(git_dir: Path, fields: Sequence[bytes]) -> Commit:
    """One ``git log`` record (the fields of :data:`_FORMAT`) as a :class:`Commit`."""
    sha = fields[0].decode("ascii", errors="replace").lstrip("\n")
    if not _FULL_SHA.fullmatch(sha):
        raise GitError(f"{git_dir}: unexpected git log output near {sha[:60]!r}")
    message = fields[6].decode(errors="replace")
    subject, body = split_message(message)
    return Commit(
        sha=sha,
        parents=tuple(fields[1].decode().split()),
        author_name=fields[2].decode(errors="replace"),
        author_mail=fields[3].decode(errors="replace"),
        authored_at=_utc(fields[4]),
        committed_at=_utc(fields[5]),
        subject=subject,
        body=body,
        refs=extract_refs(body),
    )


def _utc(seconds: bytes) -> str:
    return datetime.fromtimestamp(int(seconds), UTC).isoformat(timespec="seconds")


def split_message(message: str) -> tuple[str, str]:
    """The subject (first paragraph, one line) and the body after it."""
    message = message.strip("\n")
    head, _, body = message.partition("\n\n")
    subject = " ".join(line.strip() for line in head.splitlines())
    return subject, body.strip("\n")


def extract_refs(body: str) -> tuple[CommitRef, ...]:
    """The references a commit's body makes, in the order they appear.

    Trailers follow Documentation/process/submitting-patches.rst: ``Fixes:``
    with 8 to 40 hex digits in either case (12 asked for, fewer and more seen;
    regzbot's exactly-12 rule misses both), ``Link:``/``Closes:`` with a URL.
    """
    found: list[tuple[int, CommitRef]] = []
    for match in _TRAILER.finditer(body):
        ref = _trailer_ref(match.group(1).lower(), match.group(2))
        if ref is not None:
            found.append((match.start(), ref))
    # Few commits are backports or reverts: a substring test spares the rest a regex pass.
    trailers = len(found)
    lowered = body.lower() if "PSTREAM" in body or "EVERTS" in body else body
    if "pstream" in lowered:
        for match in _UPSTREAM.finditer(body):
            sha = normalise_commit_id(match.group(1) or match.group(2))
            found.append((match.start(), CommitRef("upstream", sha)))
    if "everts commit" in lowered:
        for match in _REVERTS.finditer(body):
            ref = CommitRef("reverts", normalise_commit_id(match.group(1)))
            found.append((match.start(), ref))
    if len(found) > trailers:
        found.sort(key=lambda item: item[0])
    return tuple(dict.fromkeys(ref for _, ref in found))


def _trailer_ref(key: str, value: str) -> CommitRef | None:
    if key == "fixes":
        fixes = _FIXES.match(value)
        if fixes is None:
            return None
        return CommitRef("fixes", normalise_commit_id(fixes.group(1)), fixes.group(2))
    if key in ("link", "closes"):
        url = _URL.match(value)
        if url is None:
            return None
        address = url.group(0).rstrip(".,;:>)")
        return CommitRef(key, address, _named_msgid(address))
    return CommitRef("reported-by", value)


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
