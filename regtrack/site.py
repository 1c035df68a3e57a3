"""What the web report (``regtrack report --html``) shows, as dataclasses.

The site is a view of the same answers the commands give: the index is
``regtrack list`` with every regression of the chosen trees, and a
regression's page is ``show``, ``fixed-by``, ``culprit``, ``related`` and
``graph`` of that regression.  This module gathers those answers from the
store; :mod:`regtrack.render.site` turns them into HTML and writes the
files, so that what a page says is decided here, once, and never by a
template.

Pages are made one regression at a time (:func:`regression_pages` is a
generator), so a database of 10,000 regressions is never held as pages in
memory at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from regtrack.digest import in_trees, lore_url
from regtrack.link.export import to_dot
from regtrack.link.graph import neighbourhood, node_id
from regtrack.query import UNRESOLVED, related_by_signature, with_stale_flag
from regtrack.questions import Answer, culprit, fixed_by, related
from regtrack.store import Store
from regtrack.store.regressions import Regression, Unhandled

# The graph on a regression's page: its neighbourhood one edge out (its reports and
# thread, culprit, fixes, duplicates, signatures).  A thread of hundreds of messages
# gives a picture nobody can read, so past this many nodes the page says so instead.
GRAPH_DEPTH = 1
GRAPH_MAX_NODES = 60


@dataclass(frozen=True, slots=True)
class SiteRow:
    """One regression as a row of the index table.

    ``age_days`` counts from the report, ``idle_days`` from the last
    activity (the report's date when there was none); None when the date is
    unknown.
    """

    id: str
    status: str
    tree: str
    title: str
    reporter: str
    reported_at: str | None
    last_activity: str | None
    age_days: int | None
    idle_days: int | None
    culprit: str
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SiteIndex:
    """The index page: every regression of the chosen trees, most recent activity first."""

    now: datetime
    trees: tuple[str, ...]
    rows: tuple[SiteRow, ...]
    counts: dict[str, int]

    @property
    def unresolved(self) -> int:
        return sum(self.counts.get(status, 0) for status in UNRESOLVED)


@dataclass(frozen=True, slots=True)
class RegressionPage:
    """Everything one regression's page shows.

    ``graph_dot`` is the neighbourhood as Graphviz DOT, None when there is
    nothing to draw or it is too large (``graph_nodes`` says how many nodes
    it has).  ``trailers`` are the lines a fix for an unresolved regression
    should carry (``Fixes:``, ``Reported-by:``, ``Closes:``), as regzbot's
    pages offer them for pasting.
    """

    record: Regression
    row: SiteRow
    fixed_by: Answer
    culprit: Answer
    related: Answer
    same_signature: tuple[dict[str, str], ...]
    unhandled: tuple[Unhandled, ...]
    graph_dot: str | None
    graph_nodes: int
    trailers: tuple[str, ...]


def site_records(
    store: Store, *, now: datetime, stale_days: int, trees: Sequence[str] = ()
) -> list[Regression]:
    """The records the site shows, with the ``stale`` flag as of ``now``, most recent
    activity first (``regtrack list``'s order)."""
    return [
        with_stale_flag(record, now, stale_days)
        for record in store.regressions()
        if in_trees(record, trees)
    ]


def site_index(
    records: Sequence[Regression], *, now: datetime, trees: Sequence[str] = ()
) -> SiteIndex:
    counts: dict[str, int] = {}
    for record in records:
        counts[record.status] = counts.get(record.status, 0) + 1
    return SiteIndex(
        now=now,
        trees=tuple(trees),
        rows=tuple(site_row(record, now) for record in records),
        counts=counts,
    )


def site_row(record: Regression, now: datetime) -> SiteRow:
    return SiteRow(
        id=record.id,
        status=record.status,
        tree=record.tree or "unknown",
        title=record.title,
        reporter=record.reporter,
        reported_at=record.reported_at,
        last_activity=record.last_activity or record.reported_at,
        age_days=_days(record.reported_at, now),
        idle_days=_days(record.last_activity or record.reported_at, now),
        culprit=short_culprit(record),
        flags=record.flags,
    )


def _days(moment: str | None, now: datetime) -> int | None:
    if not moment:
        return None
    return (now - datetime.fromisoformat(moment)).days


def short_culprit(record: Regression) -> str:
    """The culprit as ``list`` shows it: 12 digits of the commit, or the range, or
    ``unknown``."""
    found = record.culprit or {}
    commit = (found.get("commit") or "")[:12]
    return commit or "..".join(p or "" for p in found.get("range") or []) or "unknown"


def regression_pages(
    store: Store, records: Iterable[Regression], *, now: datetime
) -> Iterator[RegressionPage]:
    """Each record's page, one at a time."""
    for record in records:
        yield regression_page(store, record, now)


def regression_page(store: Store, record: Regression, now: datetime) -> RegressionPage:
    graph = neighbourhood(store, node_id("reg", record.id), GRAPH_DEPTH)
    nodes = graph.number_of_nodes()
    drawable = 1 < nodes <= GRAPH_MAX_NODES
    return RegressionPage(
        record=record,
        row=site_row(record, now),
        fixed_by=fixed_by(store, record),
        culprit=culprit(store, record),
        related=related(store, record),
        same_signature=tuple(related_by_signature(store, record)),
        unhandled=tuple(store.unhandled_commands(record.id)),
        graph_dot=to_dot(graph) if drawable else None,
        graph_nodes=nodes,
        trailers=fix_trailers(record),
    )


def fix_trailers(record: Regression) -> tuple[str, ...]:
    """The trailers a fix of this regression should carry, ready to paste: ``Fixes:``
    with 12 digits and the subject (Documentation/process/submitting-patches.rst),
    ``Reported-by:`` and ``Closes:`` for the report (checkpatch wants a ``Closes:``
    after a ``Reported-by:``).  None once the regression is resolved."""
    if record.status not in UNRESOLVED:
        return ()
    lines = []
    found = record.culprit or {}
    if found.get("commit"):
        subject = f' ("{found["subject"]}")' if found.get("subject") else ""
        lines.append(f"Fixes: {found['commit'][:12]}{subject}")
    if record.reporter:
        lines.append(f"Reported-by: {record.reporter}")
    lines += [f"Closes: {lore_url(msgid)}" for msgid in (record.report, *record.other_reports)]
    return tuple(lines)
