"""Which parts of a body are the author's own, quoted, or a quoted commit.

Where a fact sits changes its meaning: in the seed report a ``Link:`` sits
inside a ``git show``-style block the reporter pasted, so it points at the
culprit's posting and not at a fix; a ``#regzbot`` command only counts in
the author's own text.  This module labels the body once so that every
extractor can ask.

Recognised: ``>`` quoting at any depth (also ``> >``), Outlook's
``-----Original Message-----`` and ``From:/Sent:`` reply headers (everything
below is quoted), and ``git show``/``git log`` blocks (``commit <sha>``,
``Author:``, ``Date:``, then the indented message) wherever they appear.

The body is labelled as *spans* (runs of lines with one origin) found by
regular-expression scans, not line by line: bodies in a mailing-list
archive hold a million lines in all, mostly build logs, and a Python loop
over each of them would cost more than parsing the mail.  The per-line view
(:meth:`LabelledBody.lines`) is built on demand, for the few messages whose
extractors need it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple

from regtrack.extract.commits import FULL_COMMIT_ID, normalise_commit_id
from regtrack.extract.stems import Stem, StemHits, register


class Origin(StrEnum):
    OWN = "own"
    QUOTED = "quoted"
    QUOTED_COMMIT = "quoted-commit"


class Span(NamedTuple):
    """Body offsets [start, end) sharing one origin (end is past a newline)."""

    start: int
    end: int
    origin: Origin
    depth: int = 0
    commit: str | None = None


class Line(NamedTuple):
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


# Each scan starts with a literal ("\n>", "\nFrom: ", "commit "), which lets
# the regex engine jump between candidates instead of trying every offset:
# ten times faster over a corpus of build logs than a "^"-anchored pattern.
_QUOTED_RUN = re.compile(r"\n(>[^\n]*(?:\n>[^\n]*)*\n?)")
# Outlook writes "-----Original Message-----" in this case, always; matching
# it case-sensitively (behind a substring test) keeps the scan fast.
_OUTLOOK_SEPARATOR = re.compile(r"\n-{3,} ?Original Message ?-{3,}[ \t]*(?=\n|$)")
_OUTLOOK_HEADER = re.compile(r"\nFrom: [^\n]{1,200}\n(?:[^\n]{0,200}\n)?(?:Sent|Date): ")
_COMMIT_START = re.compile(rf"commit ({FULL_COMMIT_ID})\b[^\n]*\n")
# Looked for in the one pass over the body; the patterns run only where they occur.
_OUTLOOK_STEMS = register(("Original Message", "From: "))
_PASTED_PATCH = re.compile(r"[^\n]{0,200}\n(?:[^\n]{0,200}\n)?Subject: \[PATCH")
# A patch pasted with a mail header of another order (Andrew Morton's scripts write
# From:, Subject: <patch name>, Date:), recognised by what follows: a Signed-off-by:
# and then a unified diff, with no quoted line between the header and the diff.
_PASTED_DIFF = re.compile(
    r"[^\n]{0,200}\n(?:(?!>)[^\n]*\n){0,60}?Signed-off-by: [^\n]*\n"
    r"(?:(?!>)[^\n]*\n){0,20}?(?:diff --git |--- a/[^\n]*\n\+\+\+ )"
)
(_COMMIT_STEM,) = register(("commit ",))
_QUOTE_PREFIX = re.compile(r"(?:> ?)*")
_COMMIT_HEADER = re.compile(r"^(?:Author|Date|Merge|AuthorDate|Commit|CommitDate):\s")


def quote_depth(raw: str) -> tuple[int, str]:
    """(number of ``>`` levels, text without them) for one line.

    Scans the prefix once; a line of 100,000 ``>`` costs one pass.
    """
    if not raw.startswith(">"):
        return 0, raw
    depth = 0
    index = 0
    length = len(raw)
    while index < length:
        char = raw[index]
        if char == ">":
            depth += 1
            index += 1
        elif char == " " and index + 1 < length and raw[index + 1] == ">":
            index += 1  # "> > text": spaces between markers
        else:
            break
    if index < length and raw[index] == " ":
        index += 1  # the space after the last marker belongs to the quoting
    return depth, raw[index:]


def _quoted_line(number: int, raw: str, span: Span) -> Line:
    """A line of a quoted span, its ``>`` removed (a pasted commit's also stripped)."""
    depth, text = quote_depth(raw)
    if span.origin is Origin.QUOTED_COMMIT:
        text = text.strip()
    return Line(number, text, span.origin, max(depth, span.depth), span.commit)


class LabelledBody:
    """A body with the origin of every part, and a per-line view on demand."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.stems = StemHits(text)
        self.spans = _label_spans(text, self.stems)
        self._starts = [span.start for span in self.spans]
        self._cursor = (0, 1)  # (offset, its line number) of the last answer

    def span_at(self, offset: int) -> Span:
        """The span holding the character at ``offset``."""
        return self.spans[max(0, bisect.bisect_right(self._starts, offset) - 1)]

    def line_number(self, offset: int) -> int:
        """The line holding ``offset``, counted from 1.

        Extractors ask in increasing order, so counting resumes from the
        previous answer: many questions about one body stay linear.
        """
        last_offset, last_line = self._cursor
        if offset < last_offset:
            last_offset, last_line = 0, 1
        line = last_line + self.text.count("\n", last_offset, offset)
        self._cursor = (offset, line)
        return line

    @cached_property
    def lines(self) -> tuple[Line, ...]:
        """Every line with its quoting removed and its origin (built once)."""
        lines: list[Line] = []
        number = 1
        for span in self.spans:
            chunk = self.text[span.start : span.end]
            if chunk.endswith("\n"):
                chunk = chunk[:-1]
            raw_lines = chunk.split("\n")
            if span.origin is Origin.OWN:
                # Own text never starts with ">" (quoted runs are split out).
                lines.extend(Line(number + i, raw, Origin.OWN) for i, raw in enumerate(raw_lines))
            else:
                lines.extend(_quoted_line(number + i, raw, span) for i, raw in enumerate(raw_lines))
            number += len(raw_lines)
        return tuple(lines)

    def line_starting_at(self, start: int) -> Line:
        """The :class:`Line` that starts at offset ``start``, as :attr:`lines` has it,
        without building every line of a long body."""
        end = self.text.find("\n", start)
        raw = self.text[start : len(self.text) if end < 0 else end]
        span = self.span_at(start)
        number = self.line_number(start)
        if span.origin is Origin.OWN:
            return Line(number, raw, Origin.OWN)
        return _quoted_line(number, raw, span)

    def lines_containing(self, stems: tuple[Stem, ...]) -> Iterator[int]:
        """Start offsets of the lines holding any of ``stems``, in order, once each.

        Stems are literals (registered with :func:`regtrack.extract.stems.register`
        so one pass finds them all).  The lines point extractors at where
        their full patterns need trying.  They come lazily, so a caller that
        has enough stops early.
        """
        return self.stems.lines_with_any(stems)

    def line_at(self, offset: int) -> str:
        """The text of the line holding ``offset``, stripped."""
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        return self.text[start : len(self.text) if end < 0 else end].strip()

    def own_text(self, limit: int | None = None) -> str:
        """The author's own text (its first ``limit`` characters): what they wrote."""
        pieces: list[str] = []
        size = 0
        for span in self.spans:
            if span.origin is not Origin.OWN:
                continue
            end = span.end if limit is None else min(span.end, span.start + limit - size)
            pieces.append(self.text[span.start : end])
            size += end - span.start
            if limit is not None and size >= limit:
                break
        return "".join(pieces)


def _label_spans(text: str, stems: StemHits) -> tuple[Span, ...]:
    """Cut the body into own/quoted spans, then lay quoted commits over them."""
    # A newline in front lets every line-start pattern match the first line too;
    # offsets into ``padded`` are one more than offsets into ``text``.
    padded = "\n" + text
    text_end = len(text)
    spans: list[Span] = []
    position = 0
    outlook_at = _outlook_start(padded, stems)
    quoted_until = outlook_at if outlook_at is not None else text_end
    for run in _QUOTED_RUN.finditer(padded, 0, quoted_until + 1):
        start, end = run.start(1) - 1, run.end(1) - 1
        if start > position:
            spans.append(Span(position, start, Origin.OWN))
        spans.append(Span(start, end, Origin.QUOTED, quote_depth(run.group(1))[0]))
        position = end
    if position < quoted_until:
        spans.append(Span(position, quoted_until, Origin.OWN))
    if outlook_at is not None:
        spans.append(Span(quoted_until, text_end, Origin.QUOTED, 1))
    if stems.contains(_COMMIT_STEM):
        spans = _overlay(spans, _commit_blocks(text))
    return tuple(spans) or (Span(0, 0, Origin.OWN),)


def _outlook_start(padded: str, stems: StemHits) -> int | None:
    """Offset (in the unpadded text) where an Outlook-style quoted reply begins."""
    separator, header = (stems.contains(stem) for stem in _OUTLOOK_STEMS)
    patterns = [
        p for p, wanted in ((_OUTLOOK_SEPARATOR, separator), (_OUTLOOK_HEADER, header)) if wanted
    ]
    starts = [match.start() for p in patterns if (match := _first_quote(p, padded)) is not None]
    return min(starts) if starts else None


def _first_quote(pattern: re.Pattern[str], padded: str) -> re.Match[str] | None:
    """The first match that starts a quoted reply, not a patch pasted with its
    ``git format-patch`` header (From:, Date:, then ``Subject: [PATCH ...``), as
    linux-next's maintainer pastes the interim fix he applied into his reports, or
    with another header above a Signed-off-by: and a diff (``_PASTED_DIFF``)."""
    for match in pattern.finditer(padded):
        pasted = _PASTED_PATCH.match(padded, match.end()) or _PASTED_DIFF.match(padded, match.end())
        if not pasted:
            return match
    return None


def _commit_blocks(text: str) -> list[Span]:
    """``git show`` blocks: ``commit <sha>`` with Author:/Date: lines after it.

    The block runs through the indented message and ends at the first
    non-blank line that is not indented (or has other quoting).  A
    ``commit <sha>`` line is such a line, so each block ends before the
    next one starts: the blocks come in order and never overlap.
    """
    blocks = []
    for start in _COMMIT_START.finditer(text):
        line_start = text.rfind("\n", 0, start.start()) + 1
        prefix = text[line_start : start.start()]
        if _QUOTE_PREFIX.fullmatch(prefix) is None:
            continue  # "commit <sha>" inside a sentence, not a git show block
        sha = normalise_commit_id(start.group(1))
        depth = prefix.count(">")
        position = start.end()
        saw_header = False
        in_message = False
        last_content_end = position
        while position < len(text):
            newline = text.find("\n", position)
            end = len(text) if newline < 0 else newline + 1
            line_depth, line = quote_depth(text[position:end].rstrip("\n"))
            if line_depth != depth and line.strip():
                break
            if not in_message and _COMMIT_HEADER.match(line):
                saw_header = True
            elif not line.strip():
                in_message = saw_header
            elif line.startswith(("    ", "\t")) and saw_header:
                in_message = True
                last_content_end = end
            else:
                break
            if saw_header and not in_message:
                last_content_end = end
            position = end
        if saw_header:
            blocks.append(Span(line_start, last_content_end, Origin.QUOTED_COMMIT, depth, sha))
    return blocks


def _overlay(spans: list[Span], blocks: list[Span]) -> list[Span]:
    """Replace what ``blocks`` cover in ``spans`` with the blocks themselves.

    ``spans`` and ``blocks`` are each in order and without overlaps (see
    :func:`_commit_blocks`), so one pass over both does it: each span keeps
    the pieces between the blocks that cross it.  Linear in spans plus
    blocks (laying one block at a time over every span was quadratic: 40,000
    blocks in a 3 MB body took 78 s).
    """
    pieces: list[Span] = []
    first = 0  # the first block that does not end before the current span
    for span in spans:
        while first < len(blocks) and blocks[first].end <= span.start:
            first += 1
        start = span.start
        index = first
        while index < len(blocks) and blocks[index].start < span.end:
            block = blocks[index]
            if block.start > start:
                pieces.append(span._replace(start=start, end=block.start))
            start = max(start, block.end)
            index += 1
        if start < span.end:
            pieces.append(span._replace(start=start))
    pieces.extend(blocks)
    pieces.sort(key=lambda span: span.start)
    return pieces


# A forward keeps the forwarded mail as it was, quotes included.
_FORWARD = re.compile(
    r"^-{3,} ?(?:Forwarded|Original) [Mm]essage|^Begin forwarded message:", re.MULTILINE
)


# "On Mon, 3 Jul 2023, Someone wrote:" over a quote: whoever wrote it quotes a mail,
# whatever the headers say.
_ATTRIBUTION = re.compile(r"(?:wrote|writes|said):[ \t]*\n(?:[ \t]*\n)?>", re.IGNORECASE)


def unquoted_paste(text: str) -> str:
    """The body of a message that answers none, with one level of quoting taken off its
    lines: there is nothing it could quote, so its ``>`` lines are the author's own, a
    log pasted with the mail client's quote formatting (Thorsten Leemhuis's build-error
    reports).  A forward, or a quote under an attribution line, is left as it is."""
    if not (text.startswith(">") or "\n>" in text):
        return text
    if _FORWARD.search(text) or _ATTRIBUTION.search(text):
        return text
    return "\n".join(
        line[2:] if line.startswith("> ") else line[1:] if line.startswith(">") else line
        for line in text.split("\n")
    )
