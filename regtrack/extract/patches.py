"""Patches: subject prefixes, series position, files touched, patch-ids.

Subject prefixes follow Documentation/process/submitting-patches.rst and
b4: ``[PATCH v3 5/5]``, ``[RFC PATCH net-next 0/7]``, ``[PATCH RESEND]``,
then an optional subsystem prefix (``mm/gup: ...``).  The patch-id is
computed the way ``git patch-id --stable`` does, so the same change is
recognised after a rebase moved it (its line numbers and commit id change,
its lines do not): each file's diff lines, whitespace removed and hunk
headers left out, are hashed on their own, and the file hashes are summed,
so the order of files does not matter either.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from regtrack.extract.commits import FULL_COMMIT_ID
from regtrack.extract.quoting import LabelledBody
from regtrack.mail import REPLY_PREFIX

_TAG = re.compile(r"\s*\[([^\[\]]{1,100})\]")
_VERSION = re.compile(r"^v(\d{1,3})$", re.IGNORECASE)
_POSITION = re.compile(r"^(\d{1,4})/(\d{1,4})$")
_SUBSYSTEM = re.compile(r"^([\w.,/+-]{1,60}(?:: [\w.,/+-]{1,40}){0,2}): ")
_DIFF_FILE = re.compile(r"^diff --git a/(\S+) b/(\S+)", re.MULTILINE)
# A unified diff's new file, "+++ b/x" (quilt: "+++ a/x"); without the prefix only a
# path (a "/" or a suffix): a test's "diff" output in a log ("+++ cat") names no file.
_PLUS_FILE = re.compile(r"^\+\+\+ (?:[ab]/(\S+)|(?!/dev/null)(\S*[/.]\S*))", re.MULTILINE)
_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_WHITESPACE = re.compile(r"[ \t\n\r\v\f]+")  # git's isspace(): ASCII only
_NEXT_PATCH = re.compile(rf"^(?:commit|From) {FULL_COMMIT_ID}\b")
# A file's header in a git diff, up to its "index <pre>..<post>" line.
_FILE_BLOB = re.compile(
    r"^diff --git a/\S+ b/(\S+)\n(?:(?:old|new|deleted|similarity|dissimilarity|rename|copy)"
    r"[^\n]*\n){0,4}index [0-9a-f]{7,40}\.\.([0-9a-f]{7,40})\b",
    re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class SubjectPrefix:
    """What the bracketed tags and the title of a subject say.

    ``is_patch`` when a tag says PATCH or RFC; ``version`` (1 when not
    given), ``index``/``total`` for ``n/m``; ``tree`` for a word such as
    ``net-next``; ``subsystem`` for the title's ``mm/gup:`` prefix.
    """

    is_patch: bool
    is_reply: bool
    is_rfc: bool
    is_resend: bool
    is_pull_request: bool
    version: int
    index: int | None
    total: int | None
    tree: str | None
    subsystem: str | None
    title: str


@dataclass(frozen=True, slots=True)
class PatchInfo:
    """The diff a message carries in its own text, if any."""

    files: tuple[str, ...]
    patch_id: str | None
    inline_fix: bool  # a reply whose author proposes a diff (seed message 3)
    # (file, post-image blob id as abbreviated in its "index" line): two diffs
    # that leave a file with the same blob made the same change to it, which
    # is how a respin that folds in an inline fix is recognised (the seed).
    blobs: tuple[tuple[str, str], ...] = ()


def parse_subject(subject: str) -> SubjectPrefix:
    """Read ``[PATCH v3 5/5] mm/gup: fix ...`` into its parts."""
    reply = REPLY_PREFIX.match(subject)
    rest = subject[reply.end() :] if reply else subject
    words: list[str] = []
    while (tag := _TAG.match(rest)) is not None:
        words.extend(tag.group(1).split())
        rest = rest[tag.end() :]
    title = rest.strip()
    upper = [word.upper() for word in words]
    version, index, total, tree = 1, None, None, None
    for word in words:
        if match := _VERSION.match(word):
            version = int(match.group(1))
        elif match := _POSITION.match(word):
            index, total = int(match.group(1)), int(match.group(2))
        elif word.upper() not in ("PATCH", "RFC", "RESEND", "GIT", "PULL", "PATCHSET", "REPOST"):
            tree = tree or word
    subsystem = _SUBSYSTEM.match(title)
    return SubjectPrefix(
        is_patch="PATCH" in upper or "RFC" in upper or "PATCHSET" in upper,
        is_reply=reply is not None,
        is_rfc="RFC" in upper,
        is_resend="RESEND" in upper,
        is_pull_request="GIT" in upper and "PULL" in upper,
        version=version,
        index=index,
        total=total,
        tree=tree,
        subsystem=subsystem.group(1) if subsystem else None,
        title=title,
    )


def extract_patch(body: LabelledBody, subject: SubjectPrefix) -> PatchInfo | None:
    """The diff in the author's own text: files, patch-id, whether an inline fix."""
    if "\n+++ " not in body.text and "diff --git" not in body.text:
        return None
    own = body.own_text()
    files = tuple(dict.fromkeys(m.group(2) for m in _DIFF_FILE.finditer(own))) or tuple(
        dict.fromkeys(m.group(1) or m.group(2) for m in _PLUS_FILE.finditer(own))
    )
    if not files:
        return None
    return PatchInfo(
        files=files,
        patch_id=patch_id(own),
        inline_fix=subject.is_reply and not subject.is_patch,
        blobs=tuple(dict.fromkeys((m.group(1), m.group(2)) for m in _FILE_BLOB.finditer(own))),
    )


def patch_id(text: str) -> str | None:
    """The id ``git patch-id --stable`` gives the first patch in ``text``.

    Lines before the first ``diff `` line are the message, not the patch.
    ``index`` lines and hunk headers are left out; every other line of the
    patch is hashed without its whitespace, one SHA-1 per file, and the
    per-file digests are added together as 160-bit numbers (with carry,
    little end first, as git does).
    """
    total = bytearray(20)
    digest = hashlib.sha1(usedforsecurity=False)
    started = False
    before = after = -1  # lines left in the current hunk; -1 while in a header
    hashed_anything = False
    for line in text.split("\n"):
        if line.startswith("\\ ") and len(line) > 12:
            continue  # "\ No newline at end of file"
        if _NEXT_PATCH.match(line):
            if started:
                break
            continue
        if not started:
            if not line.startswith("diff "):
                continue
            started = True
        if before == -1:
            if line.startswith("index "):
                continue
            if line.startswith("--- "):
                before = after = 1
            elif not line[:1].isalpha():
                break
        elif before == 0 and after == 0:
            hunk = _HUNK.match(line)
            if hunk:
                before = int(hunk.group(1)) if hunk.group(1) is not None else 1
                after = int(hunk.group(2)) if hunk.group(2) is not None else 1
                continue
            if not line.startswith("diff "):
                break  # the patch ends (a signature, the next mail part)
            _add_digest(total, digest)
            digest = hashlib.sha1(usedforsecurity=False)
            before = after = -1
        if line[:1] in ("-", " "):
            before -= 1
        if line[:1] in ("+", " "):
            after -= 1
        digest.update(_WHITESPACE.sub("", line).encode("utf-8", "surrogateescape"))
        hashed_anything = True
    if not hashed_anything:
        return None
    _add_digest(total, digest)
    return bytes(total).hex()


def _add_digest(total: bytearray, digest: hashlib._Hash) -> None:
    carry = 0
    for index, byte in enumerate(digest.digest()):
        carry += total[index] + byte
        total[index] = carry & 0xFF
        carry >>= 8


def added_lines(text: str) -> dict[str, frozenset[str]]:
    """The lines each file of the diffs in ``text`` gains, whitespace-normalised.

    What a change *does* survives a rebase that moves its context and a
    respin on another base (its blob ids change, these lines do not): a
    respin that folds in an inline fix gains every line the fix gains.
    Lines too short to tell changes apart (``}``, ``+``) are left out.
    """
    found: dict[str, set[str]] = {}
    current: set[str] | None = None
    for line in text.split("\n"):
        if line.startswith("+++ "):
            name = line[4:].strip()
            name = name[2:] if name.startswith("b/") else name
            current = None if name == "/dev/null" else found.setdefault(name, set())
        elif line.startswith("diff ") or line.startswith("--- "):
            continue
        elif current is not None and line.startswith("+"):
            normalised = " ".join(line[1:].split())
            if len(normalised) >= 8:
                current.add(normalised)
    return {name: frozenset(lines) for name, lines in found.items() if lines}


def changed_text(text: str) -> dict[str, str]:
    """Per file of the diffs in ``text``: its hunk headers and the lines it adds or
    removes, one per line.  A combined diff (``diff --cc``, the shape of a merge
    resolution) marks a change in either of its two first columns.

    What a diff is about: the function a hunk header names, the identifiers its changed
    lines use (a fix for "implicit declaration of function 'x'" removes or defines x).
    """
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    columns = 1
    for line in text.split("\n"):
        if line.startswith("diff "):
            columns = 2 if line.startswith("diff --cc ") else 1
            name = line.rsplit(" ", 1)[-1]
            current = found.setdefault(name[2:] if name.startswith("b/") else name, [])
        elif line.startswith("+++ "):  # names the file where no "diff" line did
            name = line[4:].strip()
            if name != "/dev/null":
                current = found.setdefault(name[2:] if name.startswith("b/") else name, [])
        elif line.startswith("--- ") or current is None:
            continue
        elif line.startswith("@@") or "+" in line[:columns] or "-" in line[:columns]:
            current.append(line)
    return {name: "\n".join(lines) for name, lines in found.items() if lines}


# A diff quoted one level deep: "> diff --git a/x b/x", "> +++ b/x".
_QUOTED_DIFF_FILE = re.compile(r"^> ?(?:\+\+\+ b/|diff --git a/\S+ b/)(\S+)\s*$", re.MULTILINE)


def quoted_diff_files(text: str) -> tuple[str, ...]:
    """The files of a diff that ``text`` quotes from the message it answers, in order,
    once each (a diff the archive lacks may survive only so)."""
    if "> " not in text and ">+" not in text:
        return ()
    found = dict.fromkeys(m.group(1) for m in _QUOTED_DIFF_FILE.finditer(text) if m.group(1))
    return tuple(name for name in found if "/" in name or "." in name)


def carries_change(
    change: dict[str, frozenset[str]], other: dict[str, frozenset[str]]
) -> str | None:
    """A file for which ``other`` gains every line ``change`` gains, or None."""
    for name, lines in sorted(change.items()):
        if lines and lines <= other.get(name, frozenset()):
            return name
    return None


def touched_file(named: Iterable[str], files: Iterable[str]) -> str | None:
    """A file of ``files`` (a patch's) that one of ``named`` (a report's diagnostics)
    names: the same path whatever the suffix (a diagnostic names ``x.o`` or ``x.ko``
    where the fix changes ``x.c``), else one in a specific directory a named file is in
    (see :func:`_specific`); None when neither."""
    stems = {_stem(path) for path in named}
    folders = {folder for folder in map(_folder, named) if _specific(folder)}
    changed = [_clean(path) for path in files]
    return next((f for f in changed if _stem(f) in stems), None) or next(
        (f for f in changed if _folder(f) in folders), None
    )


def _specific(folder: str) -> bool:
    """Whether a directory says which code is at fault: three levels deep or more
    (``drivers/media/pci/intel/ivsc``, not ``drivers/gpu``), and not a directory of
    headers every file includes (``include/linux``, ``arch/x86/include/asm``), nor of
    documents (``Documentation/ABI/testing``: a docs build lists warnings of them all)."""
    parts = folder.split("/")
    return len(parts) >= 3 and "include" not in parts and parts[0] != "Documentation"


def _clean(path: str) -> str:
    while path.startswith(("./", "../")):
        path = path.split("/", 1)[1]
    return path


def _stem(path: str) -> str:
    path = _clean(path)
    head, dot, suffix = path.rpartition(".")
    return head if dot and "/" not in suffix else path


def _folder(path: str) -> str:
    return _clean(path).rpartition("/")[0]
