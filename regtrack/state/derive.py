"""Regression records from stored mail and commits: a pure function of what is stored.

Reprocessing the same mail and commits, or the same in another order,
gives the same records, because nothing here depends on the order things
arrived: every step walks messages sorted by (date, message-id) and
commits by (committer date, id), and a record is derived whole each time.

**Which messages are reports.**  A message that extraction classifies as a
report with at least ``threshold`` points, or that a ``#regzbot
introduced`` (or ``dup``) names as one (itself, ``^`` its parent, ``/`` or
``~`` its thread's first mail, or a URL).  A report inside another report's
thread joins that regression as another report of it; otherwise each
report starts a regression, and its thread is the report and everything
below it (a daily "Tree for" announcement collects many unrelated reports
as replies, each one its own regression).

**Commands** act on the regression whose thread holds the mail (monitored
threads included), with regzbot's rules: only ``introduced`` and
``duplicate`` start tracking; ``introduced`` runs first in a mail and
``poke`` last; a command that cannot be obeyed goes to the unhandled list
with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from regtrack.extract.classify import FOLLOW_UP
from regtrack.extract.patches import added_lines, changed_text, parse_subject
from regtrack.extract.regzbot import STARTS_TRACKING, RegzbotCommand
from regtrack.state.commands import CommandFold, regression_id, unhandled_entry
from regtrack.state.culprit import (
    choose_culprit,
    culprit_candidates,
    culprit_of_fixes,
    regression_tree,
)
from regtrack.state.duplicates import apply_duplicates
from regtrack.state.fixcommits import find_fix_commits
from regtrack.state.fixes import (
    LEVELS,
    MailIndex,
    find_fix_mails,
    normalised_title,
    quoted_proposal,
)
from regtrack.state.gitview import GitView
from regtrack.store.regressions import Event, Regression, Unhandled
from regtrack.store.tracking import TrackedMail

REPORT_THRESHOLD = 3  # the classifier's own threshold; `regtrack list --min-score` looks higher
_LAST = {"poke"}


@dataclass(slots=True)
class _Thread:
    """Parents and children of the loaded messages, by nearest stored ancestor."""

    mails: Mapping[str, TrackedMail]
    parent: dict[str, str | None] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, mails: Mapping[str, TrackedMail]) -> _Thread:
        thread = cls(mails)
        for mail in _ordered(mails.values()):
            chain = ([mail.parent] if mail.parent else []) + list(reversed(mail.references))
            parent = next((ref for ref in chain if ref in mails and ref != mail.msgid), None)
            thread.parent[mail.msgid] = parent
            if parent is not None:
                thread.children.setdefault(parent, []).append(mail.msgid)
        thread._break_cycles()
        return thread

    def _break_cycles(self) -> None:
        """Forged References can make a loop; the oldest mail of a loop has no parent."""
        for msgid in list(self.parent):
            seen = {msgid}
            current = self.parent[msgid]
            while current is not None:
                if current in seen:
                    oldest = min(seen, key=lambda m: (self.mails[m].date or "", m))
                    old_parent = self.parent[oldest]
                    if old_parent is not None:
                        self.children[old_parent].remove(oldest)
                    self.parent[oldest] = None
                    break
                seen.add(current)
                current = self.parent[current]

    def ancestors(self, msgid: str) -> list[str]:
        found = []
        current = self.parent.get(msgid)
        while current is not None:
            found.append(current)
            current = self.parent.get(current)
        return found

    def root(self, msgid: str) -> str:
        chain = self.ancestors(msgid)
        return chain[-1] if chain else msgid

    def subtree(self, msgid: str) -> list[str]:
        found, stack = [], [msgid]
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(self.children.get(current, ()))
        return found


def _ordered(mails: Iterable[TrackedMail]) -> list[TrackedMail]:
    return sorted(mails, key=lambda m: (m.date or "", m.msgid))


@dataclass(frozen=True, slots=True)
class Derived:
    """Every record derived from the given mail, and the commands nobody obeyed."""

    regressions: tuple[Regression, ...]
    unhandled: tuple[Unhandled, ...]


def derive(
    mails: Mapping[str, TrackedMail],
    git: GitView,
    bodies: Callable[[str], str | None],
    threshold: int = REPORT_THRESHOLD,
) -> Derived:
    """The regressions of ``mails`` (whole threads), given the scanned trees in ``git``;
    ``bodies`` gives a stored message's body (read only for a possible respun culprit)."""
    thread = _Thread.of(mails)
    diffs = _Diffs.of(bodies)
    unhandled: list[Unhandled] = []
    reports, explicit, (closed, of_fixes) = _reports(mails, thread, threshold, unhandled)
    owner: dict[str, str] = {}
    for report in _ordered(mails[r] for r in reports):
        if report.msgid in of_fixes:  # a problem the regression's own fix made: its own
            owner.update(dict.fromkeys(thread.subtree(report.msgid), report.msgid))
        elif report.msgid not in owner:  # else another report of an older report's regression
            for msgid in thread.subtree(report.msgid):
                owner.setdefault(msgid, report.msgid)
    index = MailIndex.of(mails)
    roots = sorted({owner[r] for r in reports})
    monitors = _monitored(mails, thread, owner, index)
    built = {}
    ordered = _ordered(mails.values())
    by_root: dict[str, list[TrackedMail]] = {root: [] for root in roots}
    for mail in ordered:  # one pass, in (date, id) order, so each list is in that order too
        root = owner.get(mail.msgid)
        if root is not None:
            by_root[root].append(mail)
    for root in roots:
        members = by_root[root]
        members += [mails[m] for m in sorted(monitors.get(root, ())) if m not in owner]
        built[root] = _Builder(
            root, mails, thread, members, reports, explicit, closed, index, git, diffs
        )
    for mail in ordered:
        for position, (command, context) in enumerate(
            zip(mail.commands, contexts(mail), strict=True)
        ):
            target = _command_target(mail, context, owner, monitors, thread)
            if command.problem:
                unhandled.append(unhandled_entry(mail, position, command, command.problem, target))
            elif target is None:
                if command.name not in STARTS_TRACKING:
                    reason = "a regzbot command in a thread not associated with a regression"
                    unhandled.append(unhandled_entry(mail, position, command, reason, None))
            else:
                built[target].commands.append((mail, position, command))
    built_records = {root: builder.build(unhandled) for root, builder in built.items()}
    records = apply_duplicates(built_records, owner, unhandled)
    return Derived(
        tuple(records[root] for root in roots),
        tuple(sorted(unhandled, key=lambda u: (u.msgid, u.position))),
    )


def _reports(
    mails: Mapping[str, TrackedMail], thread: _Thread, threshold: int, unhandled: list[Unhandled]
) -> tuple[set[str], dict[str, TrackedMail], tuple[set[str], set[str]]]:
    """Reports by classification, by a patch's ``Closes:`` and by command; for the
    last, the mail that named it; and which a ``Closes:`` made reports."""
    reports = {
        m.msgid
        for m in mails.values()
        if m.is_report
        and _report_score(m) >= threshold
        and (m.kind != "kernelci" or _answered(m, thread))
    }
    for mail in _ordered(mails.values()):
        # A reply to a report the archive lacks (its In-Reply-To or References name
        # mail not stored): the thread is that report's all the same, and its first
        # stored reply stands in.  (A mail that answers nothing by its headers may be
        # a forward: stored subjects say "Re:" for "Fwd:" too.)
        orphan = (
            any(reason.startswith(FOLLOW_UP) for reason in mail.reasons)
            and thread.parent[mail.msgid] is None
            and bool(mail.parent or mail.references)
            and not reports.intersection(thread.subtree(mail.msgid))
        )
        if orphan:
            reports.add(mail.msgid)
    closed, of_fixes = _closed_by_patches(mails, thread, reports)
    reports.update(closed)
    explicit: dict[str, TrackedMail] = {}
    for mail in _ordered(mails.values()):
        for position, (command, (selector, url_msgid)) in enumerate(
            zip(mail.commands, contexts(mail), strict=True)
        ):
            if command.problem or command.name not in STARTS_TRACKING:
                continue
            report = (
                url_msgid
                if selector and selector.startswith("http")
                else _selected(mail, selector, thread)
            )
            if report is None or report not in mails:
                reason = f"the report it names ({selector}) is not in the database"
                unhandled.append(unhandled_entry(mail, position, command, reason, None))
                continue
            if not any(r in reports for r in [report, *thread.ancestors(report)]):
                reports.add(report)
                explicit.setdefault(report, mail)
    return reports, explicit, (closed, of_fixes)


# At or below this score a mail is a notice, an announcement, a patch or a pull request.
_NOTICE_SCORE = -6


def _closed_by_patches(
    mails: Mapping[str, TrackedMail], thread: _Thread, reports: set[str]
) -> tuple[set[str], set[str]]:
    """Mails a patch's ``Closes:`` names: a bug report by the kernel's own rule for that
    trailer (a reply to a patch that reports what it breaks, as the classifier may not
    weigh it); and which of them answer a patch the closing patch's ``Fixes:`` names.

    Inside a report's thread such a mail is a report only when it answers such a patch
    (see :func:`_fixed_patch`): a ``Closes:`` there mostly names a reply with more about
    the thread's own report (a bisection, a log).  Each that does starts a regression of
    its own (what the fix broke), not another report of the thread's (what it fixed)."""
    closed: set[str] = set()
    of_fixes: set[str] = set()
    for patch, target in _closing(mails):
        if target.score <= _NOTICE_SCORE:
            continue
        answers_fix = _fixed_patch(patch, target, thread) is not None
        inside = any(r in reports for r in [target.msgid, *thread.ancestors(target.msgid)])
        if target.msgid not in closed and (not inside or answers_fix):
            closed.add(target.msgid)
        if answers_fix:
            of_fixes.add(target.msgid)
    return closed, of_fixes


def _closing(mails: Mapping[str, TrackedMail]) -> Iterable[tuple[TrackedMail, TrackedMail]]:
    """(patch, mail) for each stored mail without a diff that a patch's ``Closes:`` names."""
    for patch in _ordered(mails.values()):
        if patch.is_patch and patch.files:
            for kind, ref in patch.links:
                target = mails.get(ref)
                if kind == "closes" and target is not None and not target.files:
                    yield patch, target


def _fixed_patch(closing: TrackedMail, target: TrackedMail, thread: _Thread) -> str | None:
    """The patch above ``target`` in its thread whose title a ``Fixes:`` of ``closing``
    names: ``target`` reports what that patch broke (a fix posted in a report's thread,
    whose own flaw a reviewer pointed out once it was applied)."""
    fixed = {normalised_title(subject) for _, subject in closing.fixes if subject}
    for msgid in thread.ancestors(target.msgid):
        above = thread.mails[msgid]
        by_other = above.is_patch and above.files and above.author_addr != target.author_addr
        if by_other and normalised_title(above.title) in fixed:
            return msgid
    return None


def _report_score(mail: TrackedMail) -> int:
    """The classifier's score, less what it gave for ``#regzbot introduced`` when every such
    command names another mail as the report (``^``, ``/``, ``~`` or a message's URL): the
    command makes that mail the report, not the one carrying it."""
    introduced = [c for c in mail.commands if c.name == "introduced" and not c.problem]
    if not introduced or not all(c.report and (c.msgid or not c.url) for c in introduced):
        return mail.score
    weights = (_weight(r) for r in mail.reasons if r.startswith("#regzbot introduced ("))
    return mail.score - sum(weights)


def _weight(reason: str) -> int:
    """The weight at the end of a classification reason: "#regzbot introduced (+6)" is 6."""
    return int(reason.rsplit("(", 1)[1].rstrip(")"))


def contexts(mail: TrackedMail) -> list[tuple[str | None, str | None]]:
    """For each command of ``mail``: the report it is about, as (selector, message-id).

    ``use`` (and ``introduced`` with a selector) switch the report for the
    commands after it in the mail; None means the mail's own regression.
    """
    found: list[tuple[str | None, str | None]] = []
    current: tuple[str | None, str | None] = (None, None)
    for command in mail.commands:
        if command.problem is None and command.report and command.name in ("use", "introduced"):
            current = (command.report, command.msgid)
        found.append(current)
    return found


def _answered(mail: TrackedMail, thread: _Thread) -> bool:
    """Whether someone other than the sender replied: a CI summary (KernelCI's daily
    "N runs, M regressions") repeats yesterday's results, and becomes a regression to
    track only when a person takes it up."""
    return any(thread.mails[m].author_addr != mail.author_addr for m in thread.subtree(mail.msgid))


def _selected(mail: TrackedMail, selector: str | None, thread: _Thread) -> str | None:
    """The mail a report selector names, seen from ``mail``."""
    if selector is None:
        return mail.msgid
    if selector == "^":
        return thread.parent.get(mail.msgid) or mail.parent
    if selector in ("/", "~"):
        return thread.root(mail.msgid)
    return None  # a URL: resolved by the caller through msgid


def _command_target(mail, context, owner, monitors, thread) -> str | None:
    """The regression (root report) a command in ``mail`` acts on, if any."""
    selector, url_msgid = context
    if selector:
        chosen = url_msgid if selector.startswith("http") else _selected(mail, selector, thread)
        return str(owner[chosen]) if chosen in owner else None
    if mail.msgid in owner:
        return str(owner[mail.msgid])
    for root, monitored in monitors.items():
        if mail.msgid in monitored:
            return str(root)
    return None


def _monitored(mails, thread, owner, index) -> dict[str, set[str]]:
    """Threads that Link:/Closes: a message of a regression's thread, and threads a
    ``#regzbot monitor`` names: all their messages are activities of the regression."""
    found: dict[str, set[str]] = {}
    for msgid, root in owner.items():
        for linking, kind in index.linked_from.get(msgid, ()):
            if kind in ("link", "closes") and owner.get(linking) != root:
                top = thread.root(linking)
                found.setdefault(root, set()).update(
                    m for m in thread.subtree(top) if m not in owner
                )
    for root, tops in _monitor_commands(mails, thread, owner).items():
        for top in sorted(tops):
            found.setdefault(root, set()).update(m for m in thread.subtree(top) if m not in owner)
    return found


def _monitor_commands(mails, thread, owner) -> dict[str, set[str]]:
    """The threads (their first mails) each regression monitors by ``#regzbot monitor``,
    less those a later ``unmonitor`` (``unlink``) dropped: regzbot's unrelate removes the
    thread and all its activities."""
    tops: dict[str, set[str]] = {}
    for mail in _ordered(mails.values()):
        root = owner.get(mail.msgid)
        for command in mail.commands:
            if root is None or command.problem or command.msgid not in mails:
                continue
            if command.name == "monitor":
                tops.setdefault(root, set()).add(thread.root(command.msgid))
            elif command.name == "unlink":
                tops.get(root, set()).discard(thread.root(command.msgid))
    return tops


@dataclass(frozen=True, slots=True)
class _Diffs:
    """What tracking reads from a stored message's body, each read once per derivation."""

    added: Callable[[str], dict[str, frozenset[str]]]  # the lines each file gains
    quoted: Callable[[str], tuple[str, ...]]  # the files of a lost message's diff it quotes
    changed: Callable[[str], dict[str, str]]  # hunk headers and changed lines, per file

    @classmethod
    def of(cls, bodies: Callable[[str], str | None]) -> _Diffs:
        def cached(read: Callable[[str], Any]) -> Callable[[str], Any]:
            return lru_cache(maxsize=None)(lambda msgid: read(bodies(msgid) or ""))

        return cls(cached(added_lines), cached(quoted_proposal), cached(changed_text))


class _Builder:
    """Everything one regression is derived from, and the fold that makes its record."""

    def __init__(
        self, root, mails, thread, members, reports, explicit, closed, index, git, diffs
    ) -> None:
        self.diffs: _Diffs = diffs
        self.root: str = root
        self.mails: Mapping[str, TrackedMail] = mails
        self.thread = thread
        self.members: list[TrackedMail] = members
        self.reports = reports
        self.explicit: dict[str, TrackedMail] = explicit
        self.closed: set[str] = closed  # reports made so by a patch's Closes:
        self.index: MailIndex = index
        self.git: GitView = git
        self.commands: list[tuple[TrackedMail, int, RegzbotCommand]] = []

    def _created_by(self) -> str:
        """What made the report one: a command, a patch's ``Closes:``, or the classifier."""
        if self.root in self.explicit:
            return "command"
        return "closes" if self.root in self.closed else "classifier"

    def build(
        self, unhandled: list[Unhandled]
    ) -> tuple[Regression, list[tuple[TrackedMail, int, RegzbotCommand]]]:
        """The record, and the ``duplicate`` commands (applied across records afterwards)."""
        report = self.mails[self.root]
        members = self.members
        subtree = set(self.thread.subtree(self.root))
        own = [m for m in members if m.msgid in subtree]
        commands = sorted(
            self.commands,
            key=lambda c: (
                c[0].date or "",
                c[0].msgid,
                c[2].name in _LAST,
                c[2].name != "introduced",
                c[1],
            ),
        )
        introduced = [(mail, c) for mail, _, c in commands if c.name == "introduced"]
        candidates = culprit_candidates(own, introduced)
        culprit = choose_culprit(candidates, self.git)
        fix_subjects = [
            (c.title, mail)
            for mail, _, c in commands
            if c.name == "fix" and c.title and not c.commit
        ]
        mail_fixes = find_fix_mails(
            report,
            own,
            self.mails,
            self.index,
            culprit,
            fix_subjects,
            self.diffs.added,
            self.diffs.quoted,
            self.diffs.changed,
        )
        if culprit is None:  # nobody in the thread named it: a fix's Fixes: may
            candidates = culprit_of_fixes(mail_fixes.mails, self.mails)
            culprit = choose_culprit(candidates, self.git)
        tree, tree_source = regression_tree(culprit, report, self.git)
        linked = [m.msgid for m in members] + [f["msgid"] for f in mail_fixes.mails]
        fix_commands = [(c, mail) for mail, _, c in commands if c.name == "fix"]
        commit_fixes = find_fix_commits(
            self.git,
            tree,
            culprit,
            linked,
            mail_fixes.mails,
            self.mails,
            fix_commands,
            self.diffs.added,
        )
        events = [Event(report.date, "reported", f"reported by {report.author}: {report.subject}",
                        "mail", report.msgid, report.author)]  # fmt: skip
        others = [m.msgid for m in own if m.msgid in self.reports and m.msgid != self.root]
        for msgid in others:
            mail = self.mails[msgid]
            events.append(
                Event(
                    mail.date,
                    "report",
                    f"another report by {mail.author}",
                    "mail",
                    msgid,
                    mail.author,
                )
            )
        for candidate in candidates:
            what = candidate["commit"] or "..".join(p or "" for p in candidate["range"] or [])
            text = f"culprit {what} named ({candidate['how']})"
            author = candidate["named_by"]
            events.append(
                Event(candidate["at"], "culprit", text, "mail", candidate["msgid"], author)
            )
        events += mail_fixes.events + commit_fixes.events
        state = CommandFold(self.root)
        for mail, position, command in commands:
            state.command(mail, position, command, unhandled)
        activity = self._activity(members, state.ignored, commit_fixes.commits)
        level = _level(mail_fixes.mails, commit_fixes.commits, fix_subjects or fix_commands)
        status = state.status(level, commit_fixes.commits)
        # In time order; at one moment in the order they were found (the report first, then
        # what its own text says).  Every list above is built in a fixed order, so this is too.
        events = sorted(events + state.events, key=lambda e: e.at or "")
        flags = []
        if culprit and culprit.get("commit"):
            flags.append("culprit-identified")
        if state.backburner is not None:
            flags.append("backburner")
        if state.poked_at and state.poked_at > (activity[1] or ""):
            flags.append("poked")
        signatures = _signatures(own)
        reporter = state.reporter or report.author
        return Regression(
            id=regression_id(self.root),
            report=self.root,
            title=state.title or _title(report),
            status=status,
            reporter=reporter,
            reported_at=report.date,
            score=report.score,
            reasons=report.reasons,
            created_by=self._created_by(),
            tree=tree,
            tree_source=tree_source,
            culprit=_public(culprit),
            flags=tuple(flags),
            first_activity=activity[0],
            last_activity=activity[1],
            activities=activity[2],
            other_reports=tuple(others),
            culprit_candidates=tuple(_public(c) or {} for c in candidates),
            fix_mails=tuple(mail_fixes.mails),
            fix_commits=tuple(commit_fixes.commits),
            signatures=signatures,
            links=tuple(state.links),
            backburner=state.backburner,
            resolution=state.resolution,
            messages=tuple(
                sorted(
                    {(m.msgid, _role(m.msgid, self.root, others, subtree)) for m in members}
                    | {(f["msgid"], "fix") for f in mail_fixes.mails}
                )
            ),
            events=tuple(events),
        ), state.duplicates

    def _activity(self, members, ignored, commits) -> tuple[str | None, str | None, int]:
        times = [m.date for m in members if m.msgid not in ignored and not m.for_regzbot and m.date]
        times += [c["at"] for c in commits if c["at"]]
        if not times:
            return None, None, 0
        return min(times), max(times), len(times)


def _role(msgid: str, root: str, others: list[str], own: set[str]) -> str:
    if msgid == root:
        return "report"
    if msgid in others:
        return "other-report"
    return "activity" if msgid in own else "monitored"


def _level(fix_mails, commits, commanded) -> str:
    level = 1 if fix_mails or commanded else 0
    for commit in commits:
        if commit["effect"] in LEVELS:
            level = max(level, LEVELS.index(commit["effect"]))
    return LEVELS[level]


def _title(report: TrackedMail) -> str:
    title = parse_subject(report.subject).title or report.subject
    return title.strip() or "(no subject)"


def _signatures(own: Sequence[TrackedMail]) -> tuple[dict[str, Any], ...]:
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for mail in own:
        for kind, signature, title in mail.signatures:
            seen.setdefault((kind, signature), {"kind": kind, "signature": signature,
                                                "title": title, "msgid": mail.msgid})  # fmt: skip
    return tuple(seen.values())


def _public(candidate: dict[str, Any] | None) -> dict[str, Any] | None:
    if candidate is None:
        return None
    return {k: v for k, v in candidate.items() if k != "weight"}
