"""Commit ids as mail writes them: one pattern and one case rule for every extractor.

A commit is named by its id, 40 hex digits, or by an abbreviation of it.
Documentation/process/submitting-patches.rst asks for at least 12 digits
(``Fixes: 54a4f0239f2e ("KVM: MMU: ...")``), but real reports also cite 8
or 10 (bisect logs, older habits); fewer than 8 are too often an ordinary
number or word to be taken for a commit.

Case: git prints ids in lower case, and kernel text writes them so, but git
accepts upper case as well (``git rev-parse 828FE408`` names the same
commit), and ids pasted from other tools sometimes come that way.  Both are
recognised; every id an extractor returns is in lower case, so that two
mentions of one commit compare equal and match git's own output.

The patterns are bare fragments: each extractor bounds them as its form
needs (``\\b``, a line start, a following ``("subject")``).
"""

from __future__ import annotations

import re

_HEX = "[0-9a-fA-F]"
COMMIT_ID = rf"{_HEX}{{8,40}}"
"""An abbreviated or full commit id, either case (a regex fragment)."""
FULL_COMMIT_ID = rf"{_HEX}{{40}}"
"""A full commit id, as ``git show`` and ``git format-patch`` print it (a regex fragment)."""

_COMMIT_ID = re.compile(COMMIT_ID)


def normalise_commit_id(matched: str) -> str:
    """A commit id found with :data:`COMMIT_ID`, in the one case extractors return."""
    return matched.lower()


def same_object(one: str, other: str) -> bool:
    """Whether two git object ids, either of them abbreviated, can name the same object:
    the shorter starts the longer (``828fe4085cae`` and ``828fe4085cae77ac...``)."""
    shorter = min(len(one), len(other))
    return one[:shorter] == other[:shorter]


def commit_id(word: str) -> str | None:
    """``word`` as a commit id in lower case, or None when the whole word is not one."""
    return normalise_commit_id(word) if _COMMIT_ID.fullmatch(word) else None
