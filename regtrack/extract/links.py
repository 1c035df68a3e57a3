"""Message-ids named by URLs in a body: lore, lkml.kernel.org, patch.msgid.link.

Each reference keeps the origin of the line it was found on.  URLs that a
mail client wrapped are joined again: Outlook breaks long lines at a ``-``,
so a lore URL ending in ``-`` at the end of a line continues on the next
(the seed thread's link to Dan Carpenter's report is wrapped that way).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regtrack.errors import InvalidMessageIdError
from regtrack.extract.quoting import LabelledBody, Origin
from regtrack.msgid import msgid_from_reference

# Public: commit trailers (regtrack.gitscan) name messages with the same URLs.
MSGID_URL = re.compile(
    r"https?://(?:lore\.kernel\.org|lkml\.kernel\.org|patch\.msgid\.link|msgid\.link)"
    r"/[^\s<>\"')\]]{1,2000}"
)
_CONTINUATION = re.compile(r"[ \t]*(?:>[> ]*)?[ \t]*([^\s<>\"')\]]{1,1000})")


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message-id some URL names, and where the URL was."""

    msgid: str
    url: str
    origin: Origin
    line: int


def extract_message_refs(body: LabelledBody) -> tuple[MessageRef, ...]:
    """Every message-id named by a lore-style URL, first occurrence per origin."""
    found: list[MessageRef] = []
    seen: set[tuple[str, Origin]] = set()
    text = body.text
    for match in MSGID_URL.finditer(text):
        url = match.group(0).rstrip(".,;:")
        if text.startswith("\n", match.end()):
            url = _join_wrapped(url, text, match.end() + 1)
        try:
            msgid = msgid_from_reference(url)
        except InvalidMessageIdError:
            continue
        origin = body.span_at(match.start()).origin
        if "@" not in msgid or (msgid, origin) in seen:
            continue
        seen.add((msgid, origin))
        found.append(MessageRef(msgid, url, origin, body.line_number(match.start())))
    return tuple(found)


def _join_wrapped(url: str, text: str, next_line: int) -> str:
    """Rejoin a URL the mail client broke after a ``-`` or before its id's ``@``."""
    path = url.split("/", 3)[3] if url.count("/") >= 3 else ""
    if "@" in path and not url.endswith("-"):
        return url
    continuation = _CONTINUATION.match(text, next_line)
    if continuation is None or "@" not in continuation.group(1):
        return url
    return url + continuation.group(1).rstrip(".,;:")
