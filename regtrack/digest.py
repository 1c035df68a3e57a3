"""The weekly regression digest: what happened in a period, and what waits for whom.

Kernel maintainers, and Linus before each release, read a weekly regression
report on the lists.  regzbot writes one for the current mainline cycle only
(``../shared/peers/REGZBOT.md``, section 6.1); this digest covers every tree
(or those asked for), and says for each regression the step it waits for.

Everything is told as of the end of the period (or ``now``, when that is
earlier): a digest of 2023-W30 written in August says what was open on
Monday 2023-07-31 00:00 UTC, from the records' history
(:mod:`regtrack.history`), so writing it again later gives the same digest.
A regression of no known tree counts as mainline's, as in regzbot.

Sections (:meth:`Digest.sections`): new in the period; fixed in the period
(with the fixing commit, or the patch); resolved otherwise; open, by tree
(for mainline, those of the current cycle first); fix posted but not merged
for ``unmerged_days``; no activity for ``stale_days``; newly found
duplicates and reports with the same crash or build signature as another
regression; poked.  Within each, what needs attention first: the longest
without activity, then by the step it waits for (bisection, fix, review,
merge), then the oldest report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from regtrack.config import DEFAULT_STALE_DAYS, DEFAULT_UNMERGED_DAYS
from regtrack.history import UNRESOLVED, History, last_activity_at, when
from regtrack.msgid import msgid_url_segment
from regtrack.period import Period, moment_of, period_of, utc
from regtrack.store import Store
from regtrack.store.regressions import Regression

LORE = "https://lore.kernel.org/r/"
STEPS = ("bisection", "fix", "review", "merge")  # what an unresolved regression waits for
__all__ = [
    "STEPS", "Counts", "Digest", "Entry", "Period", "TreeGroup", "WeekCount", "build_digest",
    "culprit_text", "in_trees", "lore_url", "moment_of", "period_of", "weekly_counts",
]  # fmt: skip
_VERSION = re.compile(r"v(\d+)\.(\d+)")


# -- the chart's figures ---------------------------------------------------------------------


@dataclass(frozen=True)
class WeekCount:
    """One ISO week: regressions reported in it, fixed in it, and open at its end."""

    week: str
    new: int
    fixed: int
    open: int


def weekly_counts(
    store: Store, *, until: datetime, weeks: int = 26, trees: Sequence[str] = ()
) -> list[WeekCount]:
    """The ``weeks`` ISO weeks up to the one holding the moment before ``until``, oldest
    first (a week still running is counted up to ``until``).  "open" is what was
    unresolved at the week's end, from each record's history, not from today's status."""
    until = utc(until)
    last = until - timedelta(microseconds=1)
    monday = datetime.combine(last.date(), datetime.min.time(), UTC)
    monday -= timedelta(days=monday.weekday() + 7 * (weeks - 1))
    histories = [History(r) for r in _records(store, trees, monday)]
    counts = []
    for n in range(weeks):
        start = monday + timedelta(days=7 * n)
        end = min(start + timedelta(days=7), until)
        at_end = end - timedelta(microseconds=1)
        year, number, _ = start.isocalendar()
        counts.append(
            WeekCount(
                f"{year}-W{number:02d}",
                sum(start <= h.reported < end for h in histories),
                sum(h.became("fixed", start, at_end) for h in histories),
                sum(h.status_at(at_end) in UNRESOLVED for h in histories),
            )
        )
    return counts


def _records(store: Store, trees: Sequence[str], since: datetime) -> list[Regression]:
    """The records whose status since ``since`` may matter: unresolved ones, and those with
    an event from then on (a record closed before, with no event since, stays closed)."""
    moment = (since.replace(microsecond=0) - timedelta(seconds=1)).isoformat()
    return [r for r in store.regressions_active_since(moment) if in_trees(r, trees)]


def in_trees(record: Regression, trees: Sequence[str]) -> bool:
    """Whether the record's tree is one of ``trees`` (``stable`` covers every series;
    no tree is mainline); every tree when none is given."""
    tree = record.tree or "mainline"
    return not trees or any(tree == t or tree.startswith(t + "-") for t in trees)


# -- the digest ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One regression as a digest lists it; times ISO 8601 UTC, ages in whole days as of
    the digest's moment.  ``waits_for`` is one of :data:`STEPS`, None once resolved."""

    id: str
    title: str
    url: str
    reporter: str
    tree: str
    status: str
    reported_at: str | None
    age_days: int
    last_activity: str | None
    idle_days: int
    culprit: str
    waits_for: str | None
    fix: str | None = None
    fix_url: str | None = None
    fix_commit: str | None = None  # the fixing (or queued) commit's short id
    fix_tree: str | None = None  # the tree that commit is in
    note: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Counts:
    new: int = 0
    fixed: int = 0
    open: int = 0


@dataclass(frozen=True)
class TreeGroup:
    """The open regressions of one tree (mainline: of one cycle, or the older ones)."""

    tree: str
    heading: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Digest:
    """A digest of ``period`` told as of ``as_of`` (the period's end, or the time it was
    written when that is earlier); ``by_tree`` in the order mainline, next, stable-*."""

    period: Period
    as_of: datetime
    trees: tuple[str, ...]
    counts: Counts
    by_tree: Mapping[str, Counts]
    new: tuple[Entry, ...]
    fixed: tuple[Entry, ...]
    resolved: tuple[Entry, ...]
    open: tuple[TreeGroup, ...]
    unmerged: tuple[Entry, ...]
    idle: tuple[Entry, ...]
    duplicates: tuple[Entry, ...]
    poked: tuple[Entry, ...]
    unmerged_days: int
    stale_days: int
    current_cycle: str | None = None

    def sections(self) -> Iterator[tuple[str, str, tuple[Entry, ...]]]:
        """(key, heading, entries) in the order a reader meets them; each open tree group
        is one section of key ``open``.  Empty sections are included (say "none")."""
        yield "new", "New regressions", self.new
        yield "fixed", "Fixed", self.fixed
        yield "resolved", "Resolved otherwise", self.resolved
        for group in self.open:
            yield "open", f"Open in {group.heading}", group.entries
        yield (
            "unmerged",
            f"Fix posted, not merged for {self.unmerged_days} days or more",
            self.unmerged,
        )
        yield "idle", f"No activity for {self.stale_days} days or more", self.idle
        yield "duplicates", "Newly found duplicates and same-signature reports", self.duplicates
        yield "poked", "Poked", self.poked


def build_digest(
    store: Store,
    period: Period,
    *,
    trees: Sequence[str] = (),
    now: datetime,
    config: Mapping[str, Any] | None = None,
) -> Digest:
    """The digest of ``period`` for ``trees`` (all when empty), as of the period's end or
    ``now`` if earlier; thresholds ``unmerged_days`` and ``stale_days`` from ``config``
    (the config file's settings, :func:`regtrack.config.load_config`), else defaults."""
    settings = config or {}
    unmerged_days = int(settings.get("unmerged_days", DEFAULT_UNMERGED_DAYS))
    stale_days = int(settings.get("stale_days", DEFAULT_STALE_DAYS))
    # Everything is told as of the last moment of the period (a report sent at its end,
    # Monday 00:00, belongs to the next one), or as of now.
    as_of = min(utc(now), period.until - timedelta(microseconds=1))
    since = period.since
    histories = {
        r.id: History(r)
        for r in _records(store, trees, since)
        if (when(r.reported_at) or since) <= as_of
    }
    cycles = _cycles(store, histories, as_of)
    current = max(cycles.values(), default=None)
    builder = _Entries(histories, as_of, stale_days)
    new = [i for i, h in histories.items() if since <= h.reported <= as_of]
    fixed = [i for i, h in histories.items() if h.became("fixed", since, as_of)]
    resolved = [
        i for i, h in histories.items()
        if h.became("resolved", since, as_of) or h.became("inconclusive", since, as_of)
    ]  # fmt: skip
    open_ids = [i for i, h in histories.items() if h.status_at(as_of) in UNRESOLVED]
    unmerged = [
        i for i in open_ids
        if histories[i].status_at(as_of) in ("fix-posted", "fix-queued")
        and (histories[i].posted or as_of) <= as_of - timedelta(days=unmerged_days)
    ]  # fmt: skip
    idle = [i for i in open_ids if builder.idle(i) >= stale_days]
    by_tree: dict[str, Counts] = {}
    for tree in sorted({_tree(h.record) for h in histories.values()}, key=_tree_order):

        def mine(ids: list[str], tree: str = tree) -> int:
            return sum(_tree(histories[i].record) == tree for i in ids)

        by_tree[tree] = Counts(mine(new), mine(fixed), mine(open_ids))
    return Digest(
        period=period, as_of=min(utc(now), period.until),
        trees=tuple(trees) or tuple(by_tree),
        counts=Counts(len(new), len(fixed), len(open_ids)), by_tree=by_tree,
        new=builder.entries(new), fixed=builder.entries(fixed, fix=builder.fixing),
        resolved=builder.entries(resolved, note=builder.resolution),
        open=_groups(builder, open_ids, cycles, current),
        unmerged=builder.entries(unmerged, note=builder.unmerged_note),
        idle=builder.entries(idle, note=lambda i: f"no activity for {builder.idle(i)} days"),
        duplicates=_duplicates(store, builder, since),
        poked=builder.entries(
            [i for i, h in histories.items() if builder.poked_in(i, since)], note=builder.poke_note
        ),
        unmerged_days=unmerged_days, stale_days=stale_days,
        current_cycle=f"{current[0]}.{current[1]}" if current else None,
    )  # fmt: skip


def _tree(record: Regression) -> str:
    return record.tree or "mainline"


def _tree_order(tree: str) -> tuple[int, str]:
    rank = {"mainline": 0, "next": 1}.get(tree, 2 if tree.startswith("stable") else 3)
    return rank, tree


def _cycles(
    store: Store, histories: Mapping[str, History], as_of: datetime
) -> dict[str, tuple[int, int]]:
    """The mainline cycle each mainline regression is about: the newest mainline version
    its report (or its culprit range) names.  The newest of them all is the cycle in
    development, whose regressions regzbot's report lists first."""
    mainline = {i: h.record for i, h in histories.items() if _tree(h.record) == "mainline"}
    tags = store.mainline_tags([r.report for r in mainline.values()])
    cycles = {}
    for regression_id, record in mainline.items():
        named = list(tags.get(record.report, ()))
        culprit = record.culprit or {}
        named += [part for part in culprit.get("range") or () if part]
        versions = [(int(m[1]), int(m[2])) for m in map(_VERSION.match, named) if m]
        if versions:
            cycles[regression_id] = max(versions)
    return cycles


def _groups(
    builder: _Entries,
    open_ids: list[str],
    cycles: Mapping[str, tuple[int, int]],
    current: tuple[int, int] | None,
) -> tuple[TreeGroup, ...]:
    by_tree: dict[str, list[str]] = {}
    for regression_id in open_ids:
        by_tree.setdefault(_tree(builder.histories[regression_id].record), []).append(regression_id)
    groups = []
    for tree in sorted(by_tree, key=_tree_order):
        ids = by_tree[tree]
        if tree == "mainline" and current is not None:
            this = [i for i in ids if cycles.get(i) == current]
            rest = [i for i in ids if cycles.get(i) != current]
            name = f"v{current[0]}.{current[1]}"
            groups.append(TreeGroup(tree, f"mainline, the {name} cycle", builder.entries(this)))
            if rest:
                groups.append(TreeGroup(tree, f"mainline, before {name}", builder.entries(rest)))
        else:
            groups.append(TreeGroup(tree, tree, builder.entries(ids)))
    return tuple(groups)


def _duplicates(store: Store, builder: _Entries, since: datetime) -> tuple[Entry, ...]:
    """Records made duplicates in the period, and reports of the period whose crash or
    build signature another regression shares (related, never merged)."""
    notes: dict[str, str] = {}

    def title(other_id: str) -> str:
        """Another regression's title (one closed long ago is not among the digest's)."""
        if other_id in builder.histories:
            return builder.histories[other_id].record.title
        other = store.regression(other_id)
        return other.title if other else "?"

    for regression_id, history in builder.histories.items():
        record = history.record
        for event in record.events:
            at = when(event.at)
            if (
                event.kind == "duplicate"
                and event.text.startswith("duplicate of ")
                and at
                and since <= at <= builder.as_of
            ):
                main = event.text.removeprefix("duplicate of ")
                notes[regression_id] = f"duplicate of {main}: {title(main)}"
        if regression_id in notes or not since <= history.reported <= builder.as_of:
            continue
        for signature in record.signatures:
            kind, value = signature["kind"], signature["signature"]
            others = [
                o for o in store.regressions_with_signature(kind, value) if o != regression_id
            ]
            if others:
                notes[regression_id] = f"same {kind} signature as {others[0]}: {title(others[0])}"
                break
    return builder.entries(list(notes), note=notes.__getitem__)


class _Fix(NamedTuple):
    """A fix as an entry names it: words, the patch's link, the commit and its tree."""

    text: str | None
    url: str | None = None
    commit: str | None = None
    tree: str | None = None


_NO_FIX = _Fix(None)


class _Entries:
    """Entries of one digest: every figure as of its moment."""

    def __init__(self, histories: Mapping[str, History], as_of: datetime, stale_days: int):
        self.histories = histories
        self.as_of = as_of
        self.stale_days = stale_days

    def entries(self, ids: Sequence[str], *, fix=None, note=None) -> tuple[Entry, ...]:
        made = [self._entry(i, fix, note) for i in ids]
        return tuple(sorted(made, key=_attention))

    def idle(self, regression_id: str) -> int:
        history = self.histories[regression_id]
        last = last_activity_at(history.record, self.as_of) or history.reported
        return (self.as_of - last).days

    def _entry(self, regression_id: str, fix, note) -> Entry:
        history = self.histories[regression_id]
        record = history.record
        status = history.status_at(self.as_of) or record.status
        culprit = record.culprit or {}
        named = (when(culprit.get("at")) or history.reported) <= self.as_of
        last = last_activity_at(record, self.as_of)
        found = fix(regression_id) if fix else self._fix_of(record, status)
        flags = [f for f in record.flags if f != "poked"]
        if self.poked_in(regression_id, history.reported) and self._still_poked(regression_id):
            flags.append("poked")
        idle = self.idle(regression_id)
        if status in UNRESOLVED and idle >= self.stale_days:
            flags.append("stale")
        return Entry(
            id=record.id, title=record.title, url=lore_url(record.report),
            reporter=record.reporter, tree=_tree(record), status=status,
            reported_at=record.reported_at, age_days=(self.as_of - history.reported).days,
            last_activity=last.isoformat() if last else None, idle_days=idle,
            culprit=culprit_text(culprit) if culprit and named else "unknown culprit",
            waits_for=_step(status, bool(culprit.get("commit") or culprit.get("range")) and named),
            fix=found.text, fix_url=found.url, fix_commit=found.commit, fix_tree=found.tree,
            note=note(regression_id) if note else None,
            flags=tuple(flags),
        )  # fmt: skip

    def _fix_of(self, record: Regression, status: str) -> _Fix:
        """The fix of a regression as of the digest's moment: the fixing or queued commit,
        else the newest fix mail of one whose fix is posted."""
        if status in ("fixed", "fix-queued"):
            return self.fixing(record.id, status)
        if status != "fix-posted":
            return _NO_FIX
        mails = [f for f in record.fix_mails if (when(f["at"]) or self.as_of) <= self.as_of]
        if not mails:
            return _NO_FIX
        mail = max(mails, key=lambda f: f["at"] or "")
        return _Fix(f"patch: {mail['subject']}", lore_url(mail["msgid"]))

    def fixing(self, regression_id: str, effect: str = "fixed") -> _Fix:
        """The fixing commit (the newest with ``effect`` by the digest's moment), else the
        newest fix mail: "the fixing commit or patch, and tree"."""
        record = self.histories[regression_id].record
        commits = [
            c for c in record.fix_commits
            if c["effect"] in (effect, "reverted") and (when(c["at"]) or self.as_of) <= self.as_of
        ]  # fmt: skip
        if commits:
            c = max(commits, key=lambda c: (c["effect"] == effect, c["at"] or ""))
            where = (
                c["tree"]
                if c["branch"] in ("master", c["tree"])
                else f"{c['tree']} ({c['branch']})"
            )
            text = f'{c["sha"][:12]} ("{c["subject"]}") in {where}'
            return _Fix(text, None, c["sha"][:12], c["tree"])
        if record.fix_mails:
            mail = max(record.fix_mails, key=lambda f: f["at"] or "")
            return _Fix(f"patch: {mail['subject']}", lore_url(mail["msgid"]))
        return _NO_FIX

    def resolution(self, regression_id: str) -> str:
        record = self.histories[regression_id].record
        status = self.histories[regression_id].status_at(self.as_of)
        return f"{status}: {record.resolution}" if record.resolution else f"{status}"

    def unmerged_note(self, regression_id: str) -> str:
        history = self.histories[regression_id]
        days = (self.as_of - (history.posted or self.as_of)).days
        return f"fix posted {days} days ago, not yet in {_tree(history.record)}"

    def poked_in(self, regression_id: str, since: datetime) -> bool:
        return bool(self._pokes(regression_id, since))

    def poke_note(self, regression_id: str) -> str:
        poked = max(self._pokes(regression_id, self.histories[regression_id].reported))
        still = ", no activity since" if self._still_poked(regression_id) else ""
        return f"poked {(self.as_of - poked).days} days ago{still}"

    def _pokes(self, regression_id: str, since: datetime) -> list[datetime]:
        record = self.histories[regression_id].record
        times = [when(e.at) for e in record.events if e.kind == "poke"]
        return [t for t in times if t and since <= t <= self.as_of]

    def _still_poked(self, regression_id: str) -> bool:
        """regzbot's flag: the newest poke is newer than the newest activity."""
        history = self.histories[regression_id]
        pokes = self._pokes(regression_id, history.reported)
        last = last_activity_at(history.record, self.as_of)
        return bool(pokes) and (last is None or max(pokes) > last)


def _step(status: str, culprit_known: bool) -> str | None:
    """The next step an unresolved regression waits for."""
    if status == "open":
        return "fix" if culprit_known else "bisection"
    return {"fix-posted": "review", "fix-queued": "merge"}.get(status)


def _attention(entry: Entry) -> tuple[int, int, int, str]:
    step = STEPS.index(entry.waits_for) if entry.waits_for in STEPS else len(STEPS)
    return -entry.idle_days, step, -entry.age_days, entry.id


def lore_url(msgid: str) -> str:
    """The lore link of a message (its ``/r/`` redirector, as regzbot's report gives)."""
    return f"{LORE}{msgid_url_segment(msgid)}/"


def culprit_text(culprit: Mapping[str, Any]) -> str:
    """The culprit as a report names it: ``828fe4085cae ("subject")`` or a range."""
    what = (culprit.get("commit") or "")[:12] or "..".join(
        part or "" for part in culprit.get("range") or ()
    )
    subject = f' ("{culprit["subject"]}")' if culprit.get("subject") else ""
    return f"{what}{subject}" if what else "unknown culprit"
