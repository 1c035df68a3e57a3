"""``#regzbot`` commands applied to one regression, and the record of those nobody obeyed.

Commands run in the order they were written (within a mail: ``introduced``
first, ``poke`` last, as regzbot runs them).  What regzbot does, regtrack
does, with these differences (the README's command table lists them all):
``reopen`` exists (regzbot has no way back from resolved), ``unlink`` of a
link that does not exist is recorded as unhandled instead of writing a
history entry, and ``activity-ignore`` and ``unbackburner``, spellings
regzbot's documentation uses, are understood.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from regtrack.extract.regzbot import RegzbotCommand
from regtrack.store.regressions import Event, Unhandled
from regtrack.store.tracking import TrackedMail


def regression_id(report_msgid: str) -> str:
    """A stable id: the same report always gives the same id, whatever else changes."""
    return hashlib.sha256(report_msgid.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def unhandled_entry(
    mail: TrackedMail, position: int, command: RegzbotCommand, reason: str, root: str | None
) -> Unhandled:
    """The unhandled-list entry of a command in ``mail`` (``root``: its regression's report)."""
    text = f"#regzbot {command.spelling or command.name}" + (
        f": {command.argument}" if command.argument else ""
    )
    return Unhandled(
        mail.msgid, position, text, reason, mail.date, regression_id(root) if root else None
    )


class CommandFold:
    """The commands of one regression, applied in the order they were written."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.events: list[Event] = []
        self.title: str | None = None
        self.reporter: str | None = None
        self.backburner: str | None = None
        self.closed: tuple[str, str | None] | None = None  # (status, at)
        self.resolution: str | None = None
        self.poked_at: str | None = None
        self.ignored: set[str] = set()
        self.links: list[dict[str, Any]] = []
        self.duplicates: list[tuple[TrackedMail, int, RegzbotCommand]] = []

    def _event(self, mail: TrackedMail, kind: str, text: str) -> None:
        self.events.append(Event(mail.date, kind, text, "mail", mail.msgid, mail.author))

    def command(
        self, mail: TrackedMail, position: int, command: RegzbotCommand, unhandled: list[Unhandled]
    ) -> None:
        name, argument = command.name, command.title
        if name == "title":
            self.title = argument
            self._event(mail, "title", f"title set: {argument}")
        elif name == "from":
            self.reporter = argument
            self._event(mail, "from", f"reporter set: {argument}")
        elif name in ("resolve", "inconclusive"):
            status = "resolved" if name == "resolve" else "inconclusive"
            self.closed = (status, mail.date)
            self.resolution = argument
            self.backburner = None
            self._event(mail, status, f"{status}" + (f": {argument}" if argument else ""))
        elif name == "reopen":
            self.closed = None
            self.resolution = None
            self._event(mail, "reopened", "reopened")
        elif name == "backburner":
            self.backburner = argument or ""
            self._event(
                mail, "backburner", "put on the back burner" + (f": {argument}" if argument else "")
            )
        elif name == "unbackburner":
            self.backburner = None
            self._event(mail, "unbackburner", "taken off the back burner")
        elif name == "poke":
            self.poked_at = max(self.poked_at or "", mail.date or "")
            self.ignored.add(mail.msgid)
            self._event(mail, "poke", "poked")
        elif name == "ignore-activity":
            self.ignored.add(mail.msgid)
            self._event(mail, "note", "this mail is not counted as activity")
        elif name == "fix":
            what = command.commit or command.title
            self._event(mail, "fix-expected", f"fix named: {what}")
        elif name == "introduced":
            what = command.commit or f"{command.range_start}..{command.range_end or ''}"
            self._event(mail, "introduced", f"introduced: {what}")
        elif name == "duplicate":
            self.duplicates.append((mail, position, command))
        elif name in ("monitor", "link"):
            title = command.argument.partition(" ")[2] or None
            link = {"url": command.url, "msgid": command.msgid, "title": title, "kind": name}
            self.links.append({**link, "by": mail.msgid})
            self._event(mail, name, f"{name}: {command.url}")
        elif name == "unlink":
            before = len(self.links)
            self.links = [
                link
                for link in self.links
                if link["url"] != command.url
                and (not command.msgid or link["msgid"] != command.msgid)
            ]
            if len(self.links) == before:
                reason = "no such link or monitored thread"
                unhandled.append(unhandled_entry(mail, position, command, reason, self.root))
            else:
                self._event(mail, "unlink", f"unlinked: {command.url}")
        elif name == "use":
            pass  # chooses the report for `introduced`, handled when reports are found

    def status(self, level: str, commits: Sequence[dict[str, Any]]) -> str:
        """The status after every event: a fix in the regression's own tree after a close
        reopens it as fixed (regzbot's rule); otherwise a close stands."""
        if self.closed is None:
            return level
        status, at = self.closed
        if level == "fixed" and any(
            c["effect"] == "fixed" and (c["at"] or "") >= (at or "") for c in commits
        ):
            return "fixed"
        return status
