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

from regtrack.extract.quoting import Line, Origin

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
_TRAILER = re.compile(r"^([A-Za-z][A-Za-z-]{0,40}):[ \t]+(\S.{0,2000})$")
_FIXES_FULL = re.compile(r'^([0-9a-fA-F]{8,40})\s+\("(.*)"\)')
_FIXES_OPEN = re.compile(r'^[0-9a-fA-F]{8,40}\s+\("')
_FIXES_SHA = re.compile(r"^([0-9a-fA-F]{8,40})\b")
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


def extract_trailers(lines: tuple[Line, ...]) -> tuple[Trailer, ...]:
    """Every known trailer in the labelled lines, in order."""
    found: list[Trailer] = []
    for index, line in enumerate(lines):
        match = _TRAILER.match(line.text.strip())
        if match is None:
            continue
        key = TRAILER_KEYS.get(match.group(1).lower())
        if key is None:
            continue
        value = match.group(2).strip()
        if key == "Fixes":
            found.append(_fixes(value, line, lines[index + 1 : index + 3]))
        elif key == "Cc":
            stable = _STABLE.search(value)
            found.append(
                Trailer(
                    key,
                    value,
                    line.origin,
                    line.number,
                    stable_versions=stable.group(1) if stable else None,
                )
            )
        else:
            found.append(Trailer(key, value, line.origin, line.number))
    return tuple(found)


def _fixes(value: str, line: Line, following: tuple[Line, ...]) -> Trailer:
    """Parse ``<sha> ("subject")``, joining a subject wrapped over two lines."""
    full = _FIXES_FULL.match(value)
    if full is None and _FIXES_OPEN.match(value):
        joined = value
        for extra in following:  # the subject continues on the next line(s)
            joined = f"{joined} {extra.text.strip()}"
            full = _FIXES_FULL.match(joined)
            if full is not None:
                value = joined
                break
    if full is not None:
        return Trailer(
            "Fixes", value, line.origin, line.number, full.group(1).lower(), full.group(2)
        )
    sha = _FIXES_SHA.match(value)
    commit = sha.group(1).lower() if sha else None
    return Trailer("Fixes", value, line.origin, line.number, commit)
