"""The web report's pages as HTML: the index and one page per regression, for a static
site that works from ``file://`` with no server and no network
(:mod:`regtrack.render.sitewrite` writes the files).

Templates are jinja2's, with autoescaping on for every page (the templates
and the site's CSS and JavaScript are package data, in
``regtrack/render/templates/site/``): every string from mail (subjects,
names, reasons, commit subjects) is escaped wherever it lands, in text, in
attributes or in the table's data attributes the script reads.  Only two
things are inserted unescaped: the graph's SVG, which ``dot`` escaped and
:mod:`regtrack.render.dotsvg` checked, and the chart's SVG.  Each page's
Content-Security-Policy allows no script but ``assets/site.js``, no inline
script or event handler and nothing from any other place.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jinja2

from regtrack import __version__
from regtrack.digest import lore_url
from regtrack.render.dotsvg import Drawing
from regtrack.site import RegressionPage, SiteIndex
from regtrack.store.regressions import STATUSES

NO_DOT = "Graphviz's dot is not installed (not on PATH), so the graph is not drawn here; " \
    "regtrack graph {id} prints it."  # fmt: skip
TOO_LARGE = "The graph has {nodes} nodes, too many to draw legibly; regtrack graph {id} prints it."
NOTHING = "The graph holds nothing but the regression itself."


@dataclass(frozen=True, slots=True)
class PageContext:
    """What every page of one report shares: the moment it is made as of, the trees it
    covers, the database's name and the digest weeks it links to (newest first)."""

    now: datetime
    trees: tuple[str, ...] = ()
    database: str = ""
    digest_weeks: tuple[str, ...] = ()


@functools.cache
def environment() -> jinja2.Environment:
    """The templates, autoescaped, failing on any name a template misspells."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("regtrack.render", "templates/site"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,  # the templates are package data: never check them again
    )
    env.filters.update(
        lore=lore_url, day=_day, moment=_moment, days=_days, web=_is_web,
        short_flag=_short_flag, sender_name=_sender_name,
    )  # fmt: skip
    return env


def _day(value: str | None) -> str:
    return value[:10] if value else "?"


def _moment(value: str | datetime | None) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    return value[:16].replace("T", " ") if value else "?"


def _days(value: int | None) -> str:
    if value is None:
        return "?"
    return f"{value}d" if value >= 0 else "future"


def _short_flag(flag: str) -> str:
    return "culprit" if flag == "culprit-identified" else flag


def _sender_name(sender: str) -> str:
    """``Name <address>`` as its name (the table's cell; the address is in its title)."""
    name = sender.rsplit("<", 1)[0].strip().strip('"') if "<" in sender else sender
    return name or sender


def _is_web(url: str | None) -> bool:
    """Only http(s) links from mail become links (never ``javascript:`` or ``data:``)."""
    return bool(url) and str(url).lower().startswith(("https://", "http://"))


def _common(context: PageContext, root: str) -> dict[str, Any]:
    return {
        "root": root, "version": __version__, "database": context.database,
        "now": context.now, "trees": context.trees, "digest_weeks": context.digest_weeks,
    }  # fmt: skip


def index_html(index: SiteIndex, context: PageContext, chart_svg: str | None = None) -> str:
    """The index: counts, the chart, the digests, and the sortable, filterable table."""
    return environment().get_template("index.html").render(
        **_common(context, ""), index=index, statuses=STATUSES, unresolved=STATUSES[:3],
        chart_svg=chart_svg, row_trees=sorted({row.tree for row in index.rows}),
    )  # fmt: skip


def regression_html(page: RegressionPage, context: PageContext, drawing: Drawing | None) -> str:
    """One regression's page; ``drawing`` is its graph's SVG (None: not drawn)."""
    record = page.record
    by_tree: dict[str, list[dict[str, Any]]] = {}
    for commit in record.fix_commits:
        by_tree.setdefault(commit["tree"], []).append(commit)
    return environment().get_template("regression.html").render(
        **_common(context, "../"), page=page,
        commits_by_tree=sorted(by_tree.items()),
        svg=drawing.svg if drawing else None, graph_note=_graph_note(page, drawing),
    )  # fmt: skip


def _graph_note(page: RegressionPage, drawing: Drawing | None) -> str:
    if drawing is not None and drawing.problem:
        return f"The graph could not be drawn: {drawing.problem}."
    if page.graph_dot is None:
        if page.graph_nodes <= 1:
            return NOTHING
        return TOO_LARGE.format(nodes=page.graph_nodes, id=page.record.id)
    return NO_DOT.format(id=page.record.id)
