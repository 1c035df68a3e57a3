"""Which lines of a body are the author's own, quoted, or a quoted commit.

Where a fact sits changes its meaning: in the seed report a ``Link:`` sits
inside a ``git show``-style block the reporter pasted, so it points at the
culprit's posting and not at a fix; a ``#regzbot`` command only counts in
the author's own text.  This module labels every line once so that every
extractor can ask.

Recognised: ``>`` quoting at any depth (also ``> >``), Outlook's
``-----Original Message-----`` and ``From:/Sent:`` reply headers (everything
below is quoted), and ``git show``/``git log`` blocks (``commit <sha>``,
``Author:``, ``Date:``, then the indented message) wherever they appear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Origin(StrEnum):
    OWN = "own"
    QUOTED = "quoted"
    QUOTED_COMMIT = "quoted-commit"


@dataclass(frozen=True, slots=True)
class Line:
    """One body line with its quoting removed.

    ``number`` counts from 1; ``depth`` is the number of ``>`` levels (1 for
    text under an Outlook reply header); ``commit`` is the sha of the quoted
    commit a ``quoted-commit`` line belongs to.
    """

    number: int
    text: str
    origin: Origin
    depth: int = 0
    commit: str | None = None


_OUTLOOK_SEPARATOR = re.compile(r"^-{3,} ?Original Message ?-{3,}\s*$", re.IGNORECASE)
_OUTLOOK_FROM = re.compile(r"^From: .{1,200}$")
_OUTLOOK_SENT = re.compile(r"^(?:Sent|Date): .{1,200}$")
_COMMIT_LINE = re.compile(r"^commit ([0-9a-f]{40})\b")
_COMMIT_HEADER = re.compile(r"^(?:Author|Date|Merge|AuthorDate|Commit|CommitDate):\s")


def quote_depth(raw: str) -> tuple[int, str]:
    """(number of ``>`` levels, text without them) for one line.

    Scans the prefix once; a line of 100,000 ``>`` costs one pass.
    """
    depth = 0
    index = 0
    length = len(raw)
    while index < length:
        char = raw[index]
        if char == ">":
            depth += 1
            index += 1
        elif char == " " and depth and index + 1 < length and raw[index + 1] == ">":
            index += 1  # "> > text": spaces between markers
        else:
            break
    if depth and index < length and raw[index] == " ":
        index += 1  # the space after the last marker belongs to the quoting
    return depth, raw[index:]


def label_lines(body: str) -> tuple[Line, ...]:
    """Every line of ``body`` with its origin, quote depth and quoted commit."""
    raw_lines = body.split("\n")
    if raw_lines and not raw_lines[-1]:
        raw_lines.pop()  # a final newline ends the last line; it starts none
    lines: list[Line] = []
    outlook = False
    index = 0
    while index < len(raw_lines):
        raw = raw_lines[index].rstrip("\r")
        depth, text = quote_depth(raw)
        if not outlook and depth == 0 and _starts_outlook_quote(raw_lines, index):
            outlook = True
        if outlook:
            depth = max(depth, 1)
        commit = _COMMIT_LINE.match(text)
        if commit and _is_commit_block(raw_lines, index, depth):
            consumed = _commit_block(raw_lines, index, depth, commit.group(1), lines)
            index += consumed
            continue
        origin = Origin.QUOTED if depth else Origin.OWN
        lines.append(Line(index + 1, text, origin, depth))
        index += 1
    return tuple(lines)


def _starts_outlook_quote(raw_lines: list[str], index: int) -> bool:
    line = raw_lines[index]
    if _OUTLOOK_SEPARATOR.match(line):
        return True
    if not _OUTLOOK_FROM.match(line):
        return False
    following = raw_lines[index + 1 : index + 3]
    return any(_OUTLOOK_SENT.match(f) for f in following)


def _is_commit_block(raw_lines: list[str], index: int, depth: int) -> bool:
    """A ``commit <sha>`` line followed by git's Author:/Date: headers."""
    following = [quote_depth(r)[1] for r in raw_lines[index + 1 : index + 4]]
    return any(_COMMIT_HEADER.match(f) for f in following)


def _commit_block(raw_lines: list[str], start: int, depth: int, sha: str, out: list[Line]) -> int:
    """Label a git show block: headers, then the indented message.

    The block ends at the first non-blank line that is not indented (or at a
    change of quote depth); returns how many lines it took.
    """
    out.append(Line(start + 1, f"commit {sha}", Origin.QUOTED_COMMIT, depth, sha))
    index = start + 1
    in_message = False
    while index < len(raw_lines):
        line_depth, text = quote_depth(raw_lines[index].rstrip("\r"))
        if line_depth != depth and text.strip():
            break
        if not in_message and _COMMIT_HEADER.match(text):
            out.append(Line(index + 1, text, Origin.QUOTED_COMMIT, depth, sha))
        elif not text.strip():
            in_message = True
            out.append(Line(index + 1, "", Origin.QUOTED_COMMIT, depth, sha))
        elif text.startswith(("    ", "\t")):
            in_message = True
            out.append(Line(index + 1, text.strip(), Origin.QUOTED_COMMIT, depth, sha))
        else:
            break
        index += 1
    # Trailing blank lines belong to the text that follows, not the commit.
    while out and out[-1].commit == sha and not out[-1].text and out[-1].number > start + 1:
        out.pop()
        index -= 1
    return index - start


def own_text(lines: tuple[Line, ...]) -> str:
    """The author's own lines, joined: what they wrote themselves."""
    return "\n".join(line.text for line in lines if line.origin is Origin.OWN)
