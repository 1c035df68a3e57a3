"""The web report's chart and digest pages, made by the digest's own code.

The index shows the weekly chart (:func:`regtrack.render.chart.weekly_chart_svg`
of :func:`regtrack.digest.weekly_counts`: new, fixed and open regressions in
the 26 weeks up to the report's moment), and ``digest/<week>.html`` holds the
HTML digest (:func:`regtrack.render.digest.render_html`) of each of the
recent whole ISO weeks, each with the chart of the 26 weeks it ends.  The
weekly counts are read once for all of them: a whole week's figures do not
depend on when they are counted (each week is counted up to its own end).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from regtrack.digest import build_digest, period_of, weekly_counts
from regtrack.render.chart import weekly_chart_svg
from regtrack.render.digest import render_html
from regtrack.store import Store

DIGEST_WEEKS = 2  # the recent whole ISO weeks that get a digest page
CHART_WEEKS = 26  # the weeks a chart shows


@dataclass(frozen=True, slots=True)
class Extras:
    """What the site shows beside the regressions: the chart (an ``<svg>`` element) and
    the digest pages (``digest/<week>.html``), newest week first."""

    chart_svg: str | None = None
    digests: tuple[tuple[str, str], ...] = ()


def recent_weeks(now: datetime, weeks: int = DIGEST_WEEKS) -> tuple[str, ...]:
    """The ``weeks`` whole ISO weeks before ``now``, newest first (``2023-W30``)."""
    latest = period_of(now=now).since
    found = []
    for back in range(weeks):
        year, number, _ = (latest - timedelta(days=7 * back)).isocalendar()
        found.append(f"{year}-W{number:02d}")
    return tuple(found)


def digest_extras(
    store: Store,
    *,
    now: datetime,
    weeks: Sequence[str],
    trees: Sequence[str] = (),
    config: Mapping[str, Any] | None = None,
) -> Extras:
    """The index's chart and the digest page of each of ``weeks`` (module doc)."""
    counts = weekly_counts(store, until=now, weeks=CHART_WEEKS + len(weeks), trees=trees)
    position = {count.week: n for n, count in enumerate(counts)}
    digests = []
    for week in weeks:
        period = period_of(week=week, now=now)
        digest = build_digest(store, period, trees=trees, now=now, config=config)
        end = position[week] + 1
        chart = weekly_chart_svg(counts[max(0, end - CHART_WEEKS) : end])
        digests.append((week, render_html(digest, chart_svg=chart)))
    chart = weekly_chart_svg(counts[-CHART_WEEKS:])
    return Extras(chart[chart.index("<svg") :], tuple(digests))


def digest_extras_apart(database: str, **options: Any) -> Extras:
    """:func:`digest_extras` in another process, with its own read-only connection."""
    store = Store(database, read_only=True)
    try:
        return digest_extras(store, **options)
    finally:
        store.close()
