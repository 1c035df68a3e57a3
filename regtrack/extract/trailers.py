"""Trailers: ``Fixes:``, ``Link:``, ``Closes:``, ``Reported-by:`` and friends.

Conventions from Documentation/process/submitting-patches.rst: ``Fixes:``
names a commit by at least 12 hex digits (8 are tolerated here, as people
shorten them) and its subject in ``("...")``, which mail clients sometimes
wrap onto the next line; ``Cc: stable@vger.kernel.org # 6.1+`` asks for a
backport to 6.1 and later.  Each trailer keeps the :class:`Origin` of its
line, because a ``Link:`` inside a quoted commit belongs to that commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regtrack.extract.commits import COMMIT_ID, normalise_commit_id
from regtrack.extract.quoting import LabelledBody, Origin, quote_depth
from regtrack.extract.stems import register

# Canonical spelling of each trailer key, looked up case-insensitively.
TRAILER_KEYS = {
    key.lower(): key
    for key in (
        "Link",
        "Closes",
        "Fixes",
        "Reported-by",
        "Tested-by",
        "Reviewed-by",
        "Acked-by",
        "Suggested-by",
        "Signed-off-by",
        "Co-developed-by",
        "Reported-and-tested-by",
        "Cc",
        "Bisected-by",
        "Debugged-by",
        "Requested-by",
        "Message-ID",
    )
}
# Lines that hold "key:" for a known key, in any case, are the candidates
# (found in the one pass over the body, see regtrack.extract.stems); the
# line must then start with it, after any quoting, to be a trailer.
_KEY_STEMS = register((f"{key}:" for key in TRAILER_KEYS), caseless=True)
_TRAILER = re.compile(r"(?:>[> ]*)?[ \t]*([A-Za-z][A-Za-z-]{0,40}):[ \t]+(\S[^\n]{0,2000})(?=\n|$)")
_FIXES_FULL = re.compile(rf'^({COMMIT_ID})\s+\("(.*)"\)')
_FIXES_OPEN = re.compile(rf'^{COMMIT_ID}\s+\("')
_FIXES_SHA = re.compile(rf"^({COMMIT_ID})\b")
_STABLE = re.compile(r"stable@(?:vger\.)?kernel\.org>?(?:\s*#\s*(\S+))?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Trailer:
    """One trailer line; for Fixes:, the commit and subject are split out.

    ``stable_versions`` is the ``# 6.1+`` part of a stable Cc.
    """

    key: str
    value: str
    origin: Origin
    line: int
    commit: str | None = None
    subject: str | None = None
    stable_versions: str | None = None


def extract_trailers(body: LabelledBody) -> tuple[Trailer, ...]:
    """Every known trailer in the body, in order, with the origin of its line."""
    found: list[Trailer] = []
    for offset in body.lines_containing(_KEY_STEMS):
        match = _TRAILER.match(body.text, offset)
        key = TRAILER_KEYS.get(match.group(1).lower()) if match else None
        if match is None or key is None:
            continue
        value = match.group(2).strip()
        origin = body.span_at(offset).origin
        line = body.line_number(offset)
        if key == "Fixes":
            following = _following_lines(body.text, match.end())
            found.append(_fixes(value, origin, line, following))
        elif key == "Cc":
            stable = _STABLE.search(value)
            versions = stable.group(1) if stable else None
            found.append(Trailer(key, value, origin, line, stable_versions=versions))
        else:
            found.append(Trailer(key, value, origin, line))
    return tuple(found)


def _following_lines(text: str, offset: int, count: int = 2) -> list[str]:
    """The next ``count`` lines after ``offset``, quoting removed."""
    lines = []
    for _ in range(count):
        if offset >= len(text):
            break
        end = text.find("\n", offset + 1)
        end = len(text) if end < 0 else end
        lines.append(quote_depth(text[offset + 1 : end])[1].strip())
        offset = end
    return lines


def _fixes(value: str, origin: Origin, line: int, following: list[str]) -> Trailer:
    """Parse ``<sha> ("subject")``, joining a subject wrapped over two lines."""
    full = _FIXES_FULL.match(value)
    if full is None and _FIXES_OPEN.match(value):
        joined = value
        for extra in following:  # the subject continues on the next line(s)
            joined = f"{joined} {extra}"
            full = _FIXES_FULL.match(joined)
            if full is not None:
                value = joined
                break
    if full is not None:
        commit = normalise_commit_id(full.group(1))
        return Trailer("Fixes", value, origin, line, commit, full.group(2))
    sha = _FIXES_SHA.match(value)
    return Trailer("Fixes", value, origin, line, normalise_commit_id(sha.group(1)) if sha else None)
