"""A regression's status at any moment, replayed from its record's history.

A record holds its status now.  A weekly report of a past week, and a chart
of open regressions per week, need the status at the end of each week:
whether the fixing commit had landed yet, whether the ``#regzbot resolve``
had been written.  The record keeps everything that moves the status with
its time (fix mails, fixing commits with their reverts, and the commands'
events), so the status at any moment is the same fold
:mod:`regtrack.state` makes, over what had happened by then:

* a fix mail, or ``#regzbot fix:``, makes it fix-posted;
* a fixing commit makes it fix-queued or fixed (by its tree's effect) from
  its commit time until a revert of it on that branch;
* ``resolve`` / ``inconclusive`` close it until a ``reopen``; a fixing
  commit in its own tree after the close makes it fixed (regzbot's rule);
* ``dup`` makes the younger report a duplicate for good.

Replaying the whole history gives the record's own status (a test checks
that on every regression of the 2023 corpus).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from regtrack.state.fixcommits import effect
from regtrack.state.fixes import LEVELS
from regtrack.store.regressions import Regression

UNRESOLVED = ("open", "fix-posted", "fix-queued")
_FIXED = LEVELS.index("fixed")
_COMMANDS = ("resolved", "inconclusive", "reopened", "duplicate")
# Before any mail: a record whose report has no date existed from the start.
_EARLIEST = datetime.min.replace(tzinfo=UTC)


def when(moment: str | None) -> datetime | None:
    """An ISO 8601 time of a record (UTC) as an aware datetime; None stays None."""
    if not moment:
        return None
    parsed = datetime.fromisoformat(moment)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class _CommitFix:
    at: datetime
    level: int  # index in LEVELS: what this commit does to the regression
    until: datetime | None  # reverted on its branch at this moment


class History:
    """The statuses one regression went through, and when each began."""

    __slots__ = ("commands", "commits", "moments", "posted", "record", "reported", "statuses")

    def __init__(self, record: Regression) -> None:
        self.record = record
        self.reported = when(record.reported_at) or _EARLIEST
        posted = [when(f["at"]) for f in record.fix_mails]
        posted += [when(e.at) for e in record.events if e.kind == "fix-expected"]
        self.posted = min((p for p in posted if p), default=None)
        self.commits = _commit_fixes(record)
        self.commands = sorted(
            (when(e.at) or self.reported, e.kind, e.text)
            for e in record.events
            if e.kind in _COMMANDS and (e.kind != "duplicate" or e.text.startswith("duplicate of"))
        )
        changes = {self.reported, *(c.at for c in self.commits), *(a for a, _, _ in self.commands)}
        changes.update(c.until for c in self.commits if c.until)
        if self.posted:
            changes.add(self.posted)
        moments: list[datetime] = []
        statuses: list[str] = []
        for moment in sorted(m for m in changes if m >= self.reported):
            status = self._fold(moment)
            if not statuses or statuses[-1] != status:
                moments.append(moment)
                statuses.append(status)
        self.moments: tuple[datetime, ...] = tuple(moments)
        self.statuses: tuple[str, ...] = tuple(statuses)

    def status_at(self, moment: datetime) -> str | None:
        """The status at ``moment``; None before the report was sent."""
        index = bisect_right(self.moments, moment)
        return self.statuses[index - 1] if index else None

    def became(self, status: str, since: datetime, until: datetime) -> bool:
        """Whether the regression took ``status`` in [since, until] and held it at ``until``."""
        return self.status_at(until) == status and self.status_at(since) != status

    def entered(self, status: str, until: datetime) -> datetime | None:
        """When the status it has at ``until`` began (None when it has another status)."""
        index = bisect_right(self.moments, until)
        if not index or self.statuses[index - 1] != status:
            return None
        return self.moments[index - 1]

    def _fold(self, moment: datetime) -> str:
        level = 1 if self.posted and self.posted <= moment else 0
        fixed_at: list[datetime] = []
        for fix in self.commits:
            if fix.at <= moment and (fix.until is None or fix.until > moment):
                level = max(level, fix.level)
                if fix.level == _FIXED:
                    fixed_at.append(fix.at)
        closed: tuple[str, datetime] | None = None
        for at, kind, _ in self.commands:
            if at > moment:
                break
            if kind == "duplicate":
                return "duplicate"
            closed = None if kind == "reopened" else (kind, at)
        if closed is None:
            return LEVELS[level]
        if level == _FIXED and any(at >= closed[1] for at in fixed_at):
            return "fixed"
        return closed[0]


def _commit_fixes(record: Regression) -> list[_CommitFix]:
    """Each fixing commit with its effect and, when a revert took it back, the revert's time
    (a reverted commit's record keeps effect ``reverted``; its effect before the revert is
    what its tree gives)."""
    reverted_at = {e.source: when(e.at) for e in record.events if e.kind == "fix-reverted"}
    fixes = []
    for commit in record.fix_commits:
        at = when(commit["at"])
        if at is None:
            continue
        result: Any = commit["effect"]
        until = None
        if result == "reverted":
            result = effect(record.tree, commit["tree"])
            times = [reverted_at.get(sha) for sha in commit.get("reverted_by") or ()]
            until = min((t for t in times if t), default=at)
        level = LEVELS.index(result) if result in LEVELS else 0
        fixes.append(_CommitFix(at, level, until))
    return fixes


def last_activity_at(record: Regression, moment: datetime) -> datetime | None:
    """The last activity by ``moment``: the record's own when it is no later, else the
    newest history event by then (the record keeps only its newest activity time)."""
    last = when(record.last_activity)
    if last is not None and last <= moment:
        return last
    times = [when(e.at) for e in record.events if e.kind != "poke"]
    earlier = [t for t in times if t is not None and t <= moment]
    return max(earlier, default=when(record.reported_at))
