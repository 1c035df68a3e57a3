"""The web report: the index and one page per regression as static HTML, written into a
directory that works from ``file://`` with no server and no network.

Templates are jinja2's, with autoescaping on for every page (the templates
and the site's CSS and JavaScript are package data, in
``regtrack/render/templates/site/``): every string from mail (subjects,
names, reasons, commit subjects) is escaped wherever it lands, in text, in
attributes or in the table's data attributes the script reads.  Only two
things are inserted unescaped: the graph's SVG, which ``dot`` escaped and
:mod:`regtrack.render.dotsvg` checked, and the chart's SVG.  Each page's
Content-Security-Policy allows no script but ``assets/site.js``, no inline
script or event handler and nothing from any other place.

:func:`write_report` makes the whole site in a temporary directory beside
the target and renames it into place at the end, so a failure leaves the
previous report (or nothing) rather than half a site.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import Any

import jinja2

from regtrack import __version__
from regtrack.errors import OutputError
from regtrack.render.dotsvg import Drawing, dot_program, draw
from regtrack.render.lines import count
from regtrack.site import (
    RegressionPage,
    SiteIndex,
    lore_url,
    regression_pages,
    site_index,
    site_records,
)
from regtrack.store import Store
from regtrack.store.regressions import STATUSES

MARKER = ".regtrack-report"  # in every report's directory: a later report may replace it
ASSETS = ("site.css", "site.js")
BATCH = 400  # regressions whose graphs one dot process draws
NO_DOT = "Graphviz's dot is not installed (not on PATH), so the graph is not drawn here; " \
    "regtrack graph {id} prints it."  # fmt: skip
TOO_LARGE = "The graph has {nodes} nodes, too many to draw legibly; regtrack graph {id} prints it."
NOTHING = "The graph holds nothing but the regression itself."


@dataclass(slots=True)
class ReportSummary:
    """What a report wrote: counts for the CLI's line and ``--json``."""

    directory: str
    regressions: int = 0
    pages: int = 0
    graphs: int = 0
    graphs_not_drawn: dict[str, int] = field(default_factory=dict)
    digest_weeks: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Extras:
    """What the site shows beside the regressions: the chart and the digest pages
    (``digest/<week>.html``), as HTML made elsewhere; the newest week first."""

    chart_svg: str | None = None
    digests: tuple[tuple[str, str], ...] = ()


@functools.cache
def environment() -> jinja2.Environment:
    """The templates, autoescaped, failing on any name a template misspells."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("regtrack.render", "templates/site"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters.update(lore=lore_url, day=_day, moment=_moment, days=_days, web=_is_web)
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


def _is_web(url: str | None) -> bool:
    """Only http(s) links from mail become links (never ``javascript:`` or ``data:``)."""
    return bool(url) and str(url).lower().startswith(("https://", "http://"))


def _common(index: SiteIndex, database: str, digest_weeks: Sequence[str], root: str) -> dict:
    return {
        "root": root, "version": __version__, "database": database, "now": index.now,
        "trees": index.trees, "digest_weeks": list(digest_weeks),
    }  # fmt: skip


def index_html(index: SiteIndex, database: str, extras: Extras = Extras()) -> str:
    """The index: counts, the chart, the digests, and the sortable, filterable table."""
    weeks = [week for week, _ in extras.digests]
    return environment().get_template("index.html").render(
        **_common(index, database, weeks, ""), index=index, statuses=STATUSES,
        unresolved=[s for s in STATUSES[:3]], chart_svg=extras.chart_svg,
        row_trees=sorted({row.tree for row in index.rows}),
    )  # fmt: skip


def regression_html(
    page: RegressionPage,
    index: SiteIndex,
    database: str,
    drawing: Drawing | None,
    digest_weeks: Sequence[str] = (),
) -> str:
    """One regression's page; ``drawing`` is its graph's SVG (None: not drawn)."""
    record = page.record
    by_tree: dict[str, list[dict[str, Any]]] = {}
    for commit in record.fix_commits:
        by_tree.setdefault(commit["tree"], []).append(commit)
    return environment().get_template("regression.html").render(
        **_common(index, database, digest_weeks, "../"), page=page,
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


def write_report(
    store: Store,
    directory: Path,
    *,
    now: datetime,
    stale_days: int,
    trees: Sequence[str] = (),
    extras: Callable[[], Extras] | None = None,
) -> ReportSummary:
    """Write the web report of ``store`` into ``directory`` (module doc): replaced whole
    when it holds an earlier report, refused when it holds anything else."""
    started = time.perf_counter()
    directory = Path(directory)
    _check_target(directory)
    summary = ReportSummary(str(directory))
    staging = _staging_directory(directory)
    try:
        records = site_records(store, now=now, stale_days=stale_days, trees=trees)
        index = site_index(records, now=now, trees=trees)
        added = extras() if extras else Extras()
        _write_static(staging, store, index, added, summary)
        _write_pages(staging, store, records, index, added, summary)
        summary.regressions = len(records)
        _swap_into_place(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    summary.seconds = time.perf_counter() - started
    return summary


def _check_target(directory: Path) -> None:
    if directory.is_symlink() or (directory.exists() and not directory.is_dir()):
        raise OutputError(f"{directory}: exists and is not a directory; give a new directory")
    if directory.is_dir() and not (directory / MARKER).is_file() and any(directory.iterdir()):
        raise OutputError(
            f"{directory}: exists and is not a regtrack report (no {MARKER} in it); "
            "give a new or empty directory, or an earlier report's"
        )
    if not directory.parent.is_dir():
        raise OutputError(f"{directory.parent}: no such directory")


def _staging_directory(directory: Path) -> Path:
    try:
        return Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    except OSError as exc:
        raise OutputError(f"{directory.parent}: cannot write the report ({exc.strerror})") from exc


def _swap_into_place(staging: Path, directory: Path) -> None:
    """Rename the finished site to ``directory``; an earlier report there is moved aside
    first and removed after, so readers see the old site or the new one."""
    os.chmod(staging, 0o755)  # mkdtemp makes it private; a site is for reading
    old = None
    if directory.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{directory.name}.old.", dir=directory.parent))
        os.rename(directory, old / "site")
    try:
        os.rename(staging, directory)
    except OSError as exc:
        if old is not None:
            os.rename(old / "site", directory)
        raise OutputError(f"{directory}: cannot write the report ({exc.strerror})") from exc
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_static(
    staging: Path, store: Store, index: SiteIndex, extras: Extras, summary: ReportSummary
) -> None:
    assets = staging / "assets"
    assets.mkdir()
    folder = resources.files("regtrack.render") / "templates" / "site"
    for name in ASSETS:
        (assets / name).write_bytes((folder / name).read_bytes())
    database = Path(store.path).name
    (staging / "index.html").write_text(index_html(index, database, extras))
    rows = [asdict(row) for row in index.rows]
    (staging / "regressions.json").write_text(json.dumps(rows, indent=1) + "\n")
    if extras.digests:
        (staging / "digest").mkdir()
        for week, html in extras.digests:
            (staging / "digest" / f"{week}.html").write_text(html)
            summary.digest_weeks.append(week)
    marker = {"generator": "regtrack", "version": __version__, "now": index.now.isoformat()}
    (staging / MARKER).write_text(json.dumps(marker) + "\n")


def _write_pages(
    staging: Path,
    store: Store,
    records: Sequence[Any],
    index: SiteIndex,
    extras: Extras,
    summary: ReportSummary,
) -> None:
    """Every regression's page; ``dot`` draws one batch's graphs in a thread while the
    next batch is gathered from the store."""
    folder = staging / "regressions"
    folder.mkdir()
    program = dot_program()
    weeks = [week for week, _ in extras.digests]
    database = Path(store.path).name
    pages = regression_pages(store, records, now=index.now)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: tuple[list[RegressionPage], Future[list[Drawing]]] | None = None
        for batch in _batches(pages, BATCH):
            drawn = pool.submit(_draw_batch, batch, program)
            if pending is not None:
                _write_batch(folder, *pending, index, database, weeks, summary)
            pending = (batch, drawn)
        if pending is not None:
            _write_batch(folder, *pending, index, database, weeks, summary)


def _batches(pages: Iterator[RegressionPage], size: int) -> Iterator[list[RegressionPage]]:
    while batch := list(islice(pages, size)):
        yield batch


def _draw_batch(batch: list[RegressionPage], program: str | None) -> list[Drawing]:
    """The drawings of the pages that have a graph to draw (None where not drawn)."""
    dots = [page.graph_dot for page in batch if page.graph_dot is not None]
    drawings = iter(draw(dots, program) if program else [])
    return [
        next(drawings) if page.graph_dot is not None and program else Drawing(None)
        for page in batch
    ]


def _write_batch(
    folder: Path,
    batch: list[RegressionPage],
    drawn: Future[list[Drawing]],
    index: SiteIndex,
    database: str,
    weeks: list[str],
    summary: ReportSummary,
) -> None:
    for page, drawing in zip(batch, drawn.result(), strict=True):
        html = regression_html(page, index, database, drawing, weeks)
        (folder / f"{page.record.id}.html").write_text(html)
        summary.pages += 1
        if drawing.svg:
            summary.graphs += 1
        else:
            reason = (
                "failed" if drawing.problem
                else "no-dot" if page.graph_dot is not None
                else "too-large" if page.graph_nodes > 1
                else "nothing-to-draw"
            )  # fmt: skip
            summary.graphs_not_drawn[reason] = summary.graphs_not_drawn.get(reason, 0) + 1


def report_line(summary: ReportSummary) -> str:
    """The one line ``regtrack report`` prints."""
    skipped = ", ".join(f"{n} {why}" for why, n in sorted(summary.graphs_not_drawn.items()))
    digests = f", {count(len(summary.digest_weeks), 'digest page')}" if summary.digest_weeks else ""
    return (
        f"{count(summary.regressions, 'regression')}: index and {count(summary.pages, 'page')}, "
        f"{count(summary.graphs, 'graph')} drawn"
        + (f" (not drawn: {skipped})" if skipped else "")
        + f"{digests} in {summary.seconds:.2f} s; written to {summary.directory}"
    )


def report_json(summary: ReportSummary) -> dict[str, Any]:
    data = asdict(summary)
    data["seconds"] = round(summary.seconds, 3)
    return data
