"""Search results (``regtrack search``): a line per hit with its snippet, or JSON."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from regtrack.render.lines import sender
from regtrack.store import SearchHit

UNKNOWN_DAY = "????-??-??"


def search_json(hits: list[SearchHit]) -> list[dict[str, Any]]:
    return [asdict(hit) for hit in hits]


def search_lines(hits: list[SearchHit]) -> list[str]:
    """Date, sender, subject and message-id, then the matching words in context."""
    lines = []
    for hit in hits:
        day = (hit.date_utc or UNKNOWN_DAY)[:10]
        who = sender(hit.from_name, hit.from_addr)
        regression = f"  [regression {hit.regression}]" if hit.regression else ""
        lines.append(f"{day}  {who}: {hit.subject}  <{hit.msgid}>{regression}")
        lines.append(f"    {hit.snippet}")
    return lines
