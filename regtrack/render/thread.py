"""A thread (``regtrack show``): a reply tree with the asked message's facts, or JSON."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from regtrack.query import ThreadMessage, ThreadView
from regtrack.render.facts import format_facts
from regtrack.render.lines import count, sender
from regtrack.store import facts_json

UNKNOWN_DATE = "????-??-?? ??:??"
NO_SUBJECT = "(no subject)"


def thread_json(view: ThreadView, body: bool = False) -> dict[str, Any]:
    """What ``show --json`` prints: each message with its depth and parent, and the facts."""
    out: dict[str, Any] = {
        "msgid": view.msgid,
        "thread": [asdict(message) for message in view.messages],
        "missing_references": view.missing_references,
        "facts": _facts_json(view),
    }
    if body and view.asked is not None:
        out["body"] = view.body
    return out


def _facts_json(view: ThreadView) -> dict[str, Any] | None:
    if view.facts is None or view.facts_version is None:
        return None
    return facts_json(view.facts, view.facts_version)


def thread_lines(view: ThreadView, body: bool = False) -> list[str]:
    """The tree, oldest first and indented by depth, the asked message marked ``>``."""
    lines = [f"Thread: {view.root.subject or NO_SUBJECT}", _headline(view)]
    for message in view.messages:
        lines.extend(_message_lines(message, asked=message.msgid == view.msgid))
    if view.asked is None:
        lines.append(f"({view.msgid} itself is only referenced, not stored)")
        return lines
    lines.append("")
    if view.facts is None:
        lines.append("(no facts extracted yet; run: regtrack extract)")
    else:
        lines.extend(format_facts(view.facts) or ["(no facts found in this message)"])
    if body:
        lines.extend(["", view.body or ""])
    return lines


def _headline(view: ThreadView) -> str:
    line = f"{count(len(view.messages), 'message')}, dates in UTC"
    missing = len(view.missing_references)
    if missing:
        verb = "is" if missing == 1 else "are"
        line += f"; {count(missing, 'referenced message')} {verb} not in the database"
    return line


def _message_lines(message: ThreadMessage, asked: bool) -> list[str]:
    indent = "  " * message.depth
    mark = ">" if asked else " "
    date = (message.date_utc or UNKNOWN_DATE)[:16].replace("T", " ")
    who = sender(message.from_name, message.from_addr)
    return [
        f"{mark} {indent}{date}  {who}: {message.subject or NO_SUBJECT}",
        f"  {indent}  <{message.msgid}>",
    ]
