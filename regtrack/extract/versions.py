"""Versions, ranges and trees a message names, and the tree a report is about.

Tags follow the kernel's naming: mainline ``v6.5`` and ``v6.6-rc1``, stable
``v6.1.42``, linux-next ``next-20230720`` (also inside uname strings such as
``6.5.0-rc3-next-20230726`` and git.kernel.org URLs ``?h=next-20230720``).
Ranges are git's ``A..B`` over tags or commit ids.  Trees are named as
mainline, linux-next, stable, or "the X tree" in linux-next's reports.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from regtrack.extract.commits import COMMIT_ID, commit_id
from regtrack.extract.quoting import LabelledBody, Origin

# Patterns begin with a literal ("v", "next-20", "..") so the regex engine can
# skip ahead; what must not come before a match is checked in Python (a
# lookbehind in front would make the engine try every offset of a build log).
# Mainline and next tags are two patterns, not one alternation, for the same
# reason (4x faster).  Kernel tags start at v2 ("v2.6.39"); v0.x and v1.x are
# tools' versions.
_MAINLINE_TAG = re.compile(r"v[2-9]\.\d{1,3}(?:\.\d{1,4})?(?:-rc\d{1,2})?(?!\w|\.\w)")
_NEXT_TAG = re.compile(r"next-20\d{6}(?!\d)")
# A range's end: a tag, or a commit id (regtrack.extract.commits).
_REF = re.compile(
    r"(?:v\d{1,2}\.\d{1,3}(?:\.\d{1,4})?(?:-rc\d{1,2})?|next-20\d{6}"  # tags
    rf"|{COMMIT_ID})"
)
_RANGE_DOTS = re.compile(r"\.\.\.?")
# Matched on the reversed 60 characters before a "..": the word that ends there.
_WORD_BEFORE_REVERSED = re.compile(r"[\w.-]{1,60}")
_WORD_AFTER = re.compile(r"[\w.-]{1,60}")
_NAMED_TREE = re.compile(r"the ([\w][\w./+-]{0,40}) tree\b")
_TREE_WORDS = (
    (
        "linux-next",
        (
            re.compile(r"linux-next\b"),
            re.compile(r"Linux-next\b"),
            re.compile(r"next tree\b"),
            re.compile(r"-next\b(?!-)"),  # "in -next", "(-next)": a word of its own
            re.compile(r"[Ll]inux next\b"),
            re.compile(r"landed in next\b"),  # "This patch landed in next but causes ..."
        ),
    ),
    (
        "mainline",
        (re.compile(r"mainline\b"), re.compile(r"Mainline\b"), re.compile(r"Linus'? tree\b")),
    ),
    ("stable", (re.compile(r"stable\b(?! tree)"),)),
)


_STABLE = re.compile(r"stable\b")


def _names(pattern: re.Pattern[str], text: str) -> bool:
    """Whether ``pattern`` matches a word of its own in ``text``: not the end of another
    word or name ("unstable", mm's "mm-stable" and "mm-unstable" branches).  Tested here,
    not by a lookbehind, which would cost the regex engine its fast literal search."""
    for match in pattern.finditer(text):
        before = text[match.start() - 1] if match.start() else " "
        if not (before.isalnum() or before in "_-"):
            return True
    return False


# Reports name their versions near the top; deep in a long build or boot
# log, "v1.2" is a tool's or firmware's version.  Reading only this much of
# the author's own text keeps extraction cheap on megabyte logs.
VERSION_SCAN_CHARS = 16 * 1024


def _starts_word(text: str, offset: int) -> bool:
    """No letter, digit or single dot right before: "v6.4" alone or after ".."."""
    if offset == 0:
        return True
    before = text[offset - 1]
    if before == ".":
        return offset >= 2 and text[offset - 2] == "."
    return not (before.isalnum() or before == "_")


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    tree: str  # mainline, stable, linux-next
    origin: Origin


@dataclass(frozen=True, slots=True)
class VersionRange:
    start: str
    end: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class Versions:
    """What a message says about versions and trees.

    ``named_trees`` are the "X" of "the X tree"; ``report_tree`` is the tree
    the message is about, when it can be told (see :func:`report_tree`).
    """

    tags: tuple[Tag, ...]
    ranges: tuple[VersionRange, ...]
    trees: tuple[str, ...]
    named_trees: tuple[str, ...]
    report_tree: str | None


def _ranges(text: str) -> list[VersionRange]:
    """git ranges ``A..B`` (or ``A...B``) whose ends are tags or commit ids."""
    found = []
    for dots in _RANGE_DOTS.finditer(text):
        before = _WORD_BEFORE_REVERSED.match(text[max(0, dots.start() - 60) : dots.start()][::-1])
        after = _WORD_AFTER.match(text, dots.end())
        if before is None or after is None:
            continue
        start, end = before.group(0)[::-1], after.group(0).rstrip(".")
        if text.startswith("index ", text.rfind("\n", 0, dots.start()) + 1):
            continue  # a diff's "index 63c8eb740af7..ec3b068cbbe6 100644" line (or a merge's
            # combined diff's "index 48ca1c5dfc04,fad95e4cf372..389cc8a53097")
        if _REF.fullmatch(start) and _REF.fullmatch(end):
            start, end = commit_id(start) or start, commit_id(end) or end
            found.append(VersionRange(start, end, Origin.OWN))
    return found


def tag_tree(tag: str) -> str:
    """Which tree a tag belongs to."""
    if tag.startswith("next-"):
        return "linux-next"
    return "stable" if tag.count(".") >= 2 else "mainline"


def extract_versions(body: LabelledBody, subject: str = "") -> Versions:
    """Tags, ranges and trees in the subject and the author's own text.

    Only the first :data:`VERSION_SCAN_CHARS` of the own text are read.
    """
    own = body.own_text(VERSION_SCAN_CHARS)
    text = f"{subject}\n{own}"
    tags: dict[str, Tag] = {}
    found = [(m.start(), m.group(0)) for m in _NEXT_TAG.finditer(text)]
    found += [
        (m.start(), m.group(0))
        for m in _MAINLINE_TAG.finditer(text)
        if _starts_word(text, m.start())
    ]
    for _, name in sorted(found):
        tags.setdefault(name, Tag(name, tag_tree(name), Origin.OWN))
    ranges = tuple(dict.fromkeys(_ranges(text)))
    trees = tuple(name for name, patterns in _TREE_WORDS if any(_names(p, text) for p in patterns))
    named = tuple(dict.fromkeys(m.group(1) for m in _NAMED_TREE.finditer(text)))
    return Versions(
        tags=tuple(tags.values()),
        ranges=ranges,
        trees=trees,
        named_trees=named,
        report_tree=report_tree(subject, tuple(tags.values()), trees),
    )


def report_tree(subject: str, tags: tuple[Tag, ...], trees: tuple[str, ...]) -> str | None:
    """The tree a report is about.

    The subject decides when it names one ("linux-next: build failure ...",
    "[REGRESSION] 6.1.42 ..."); otherwise the tree of most tags in the text,
    then a tree the text names.
    """
    lowered = subject.lower()
    if "linux-next" in lowered or "next-20" in lowered or lowered.startswith("next/"):
        return "linux-next"
    if _names(_STABLE, lowered):
        return "stable"
    if tags:
        counts = Counter(tag.tree for tag in tags)
        return counts.most_common(1)[0][0]
    return trees[0] if trees else None
