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
from regtrack.extract.quoting import Line, Origin
from regtrack.msgid import msgid_from_reference

_URL = re.compile(r"https?://[^\s<>\"')\]]{1,2000}")
_MSGID_HOSTS = ("lore.kernel.org", "lkml.kernel.org", "patch.msgid.link", "msgid.link")
_CONTINUATION = re.compile(r"^\s*([^\s<>\"')\]]{1,1000})")


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message-id some URL names, and where the URL was."""

    msgid: str
    url: str
    origin: Origin
    line: int


def extract_message_refs(lines: tuple[Line, ...]) -> tuple[MessageRef, ...]:
    """Every message-id named by a lore-style URL, first occurrence per origin."""
    found: list[MessageRef] = []
    seen: set[tuple[str, Origin]] = set()
    for index, line in enumerate(lines):
        line_end = len(line.text.rstrip())
        for match in _URL.finditer(line.text):
            url = match.group(0).rstrip(".,;:")
            host = url.split("/", 3)[2].lower() if url.count("/") >= 2 else ""
            if not host.endswith(_MSGID_HOSTS):
                continue
            if match.end() >= line_end and index + 1 < len(lines):
                url = _join_wrapped(url, lines[index + 1])
            try:
                msgid = msgid_from_reference(url)
            except InvalidMessageIdError:
                continue
            if "@" not in msgid or (msgid, line.origin) in seen:
                continue
            seen.add((msgid, line.origin))
            found.append(MessageRef(msgid, url, line.origin, line.number))
    return tuple(found)


def _join_wrapped(url: str, following: Line) -> str:
    """Rejoin a URL the mail client broke after a ``-`` or before its id's ``@``."""
    path = url.split("/", 3)[3] if url.count("/") >= 3 else ""
    if "@" in path and not url.endswith("-"):
        return url
    continuation = _CONTINUATION.match(following.text)
    if continuation is None or "@" not in continuation.group(1):
        return url
    return url + continuation.group(1).rstrip(".,;:")
