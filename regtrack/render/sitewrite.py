"""Writing the web report into a directory: whole or not at all, and fast at 10,000 pages.

:func:`write_report` makes the whole site in a temporary directory beside
the target and renames it into place at the end, so a failure leaves the
previous report (or nothing) rather than half a site; a directory that
holds anything but an earlier report is refused.

What a 10,000-regression report costs, and how it is spread: gathering a
page (the record's graph and answers from the database) and rendering it
are Python's work, creating its file is the kernel's (0.4 to 0.9 ms a file
on the project's machine), and drawing its graph is ``dot``'s.  So the
regressions are shared among processes (one per core, up to four, from
1,000 regressions on), each with its own read-only connection, and one more
makes the chart and the digest pages meanwhile; in each, ``dot`` draws one
batch's graphs (one ``dot`` process for 400 graphs,
:mod:`regtrack.render.dotsvg`) in a thread while the next batch is
gathered, and two threads write the files of the batch before.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import multiprocessing.pool
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import Any

from regtrack import __version__
from regtrack.errors import OutputError
from regtrack.render.dotsvg import Drawing, dot_program, draw, end_with_the_process, stop_all
from regtrack.render.lines import count
from regtrack.render.site import PageContext, index_html, regression_html
from regtrack.render.sitedigest import (
    DIGEST_WEEKS,
    Extras,
    digest_extras,
    digest_extras_apart,
    recent_weeks,
)
from regtrack.site import RegressionPage, regression_pages, site_index, site_records
from regtrack.store import Store
from regtrack.store.regressions import Regression

MARKER = ".regtrack-report"  # in every report's directory: a later report may replace it
ASSETS = ("site.css", "site.js")
BATCH = 400  # regressions whose graphs one dot process draws
PARALLEL_FROM = 1_000  # fewer regressions are done sooner than processes start
MAX_PROCESSES = 4


@dataclass(slots=True)
class PageCounts:
    """How many regression pages were written, and their graphs drawn or not (by why)."""

    pages: int = 0
    graphs: int = 0
    graphs_not_drawn: dict[str, int] = field(default_factory=dict)

    def add(self, other: PageCounts) -> None:
        self.pages += other.pages
        self.graphs += other.graphs
        for reason, number in other.graphs_not_drawn.items():
            self.graphs_not_drawn[reason] = self.graphs_not_drawn.get(reason, 0) + number


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


def write_report(
    store: Store,
    directory: Path,
    *,
    now: datetime,
    stale_days: int,
    trees: Sequence[str] = (),
    digest_weeks: int = DIGEST_WEEKS,
    config: Mapping[str, Any] | None = None,
    processes: int | None = None,
) -> ReportSummary:
    """Write the web report of ``store`` into ``directory`` (module doc): replaced whole
    when it holds an earlier report, refused when it holds anything else.
    ``digest_weeks``: how many recent weeks get a digest page; ``config``: the digest's
    settings (:func:`regtrack.config.load_config`); ``processes``: how many share the
    pages (default: one per core from :data:`PARALLEL_FROM` regressions on)."""
    started = time.perf_counter()
    directory = Path(os.path.abspath(directory))  # "." and "site/.." have a name and a parent
    _check_target(directory)
    summary = ReportSummary(str(directory))
    staging = _staging_directory(directory)
    try:
        records = site_records(store, now=now, stale_days=stale_days, trees=trees)
        weeks = recent_weeks(now, digest_weeks) if digest_weeks > 0 else ()
        context = PageContext(now, tuple(trees), Path(store.path).name, weeks)
        options: dict[str, Any] = {
            "now": now,
            "weeks": weeks,
            "trees": tuple(trees),
            "config": config,
        }
        shares = processes or _default_processes(len(records))
        if shares > 1:  # the chart and the digests in a process of their own meanwhile
            with _process_pool(1) as helper:
                made = helper.apply_async(digest_extras_apart, (str(store.path),), options)
                counts = write_pages(store, staging / "regressions", records, context, shares)
                extras = made.get()
        else:
            extras = digest_extras(store, **options)
            counts = write_pages(store, staging / "regressions", records, context, shares)
        _write_static(staging, records, context, extras)
        _swap_into_place(staging, directory)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):  # a full disk, a directory taken away: one line
            why = exc.strerror or str(exc)
            raise OutputError(f"{directory}: cannot write the report ({why})") from exc
        raise
    summary.regressions = len(records)
    summary.pages, summary.graphs = counts.pages, counts.graphs
    summary.graphs_not_drawn = counts.graphs_not_drawn
    summary.digest_weeks = list(context.digest_weeks)
    summary.seconds = time.perf_counter() - started
    return summary


def _check_target(directory: Path) -> None:
    if directory.is_symlink():
        raise OutputError(f"{directory}: is a symbolic link; give the directory it names")
    if directory.exists() and not directory.is_dir():
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
    staging: Path, records: Sequence[Regression], context: PageContext, extras: Extras
) -> None:
    """The index, the assets, ``regressions.json``, the digest pages and the marker."""
    assets = staging / "assets"
    assets.mkdir()
    folder = resources.files("regtrack.render") / "templates" / "site"
    for name in ASSETS:
        (assets / name).write_bytes((folder / name).read_bytes())
    index = site_index(records, now=context.now, trees=context.trees)
    (staging / "index.html").write_text(index_html(index, context, extras.chart_svg))
    rows = [asdict(row) for row in index.rows]
    (staging / "regressions.json").write_text(json.dumps(rows, indent=1) + "\n")
    if extras.digests:
        (staging / "digest").mkdir()
        for week, html in extras.digests:
            (staging / "digest" / f"{week}.html").write_text(html)
    marker = {"generator": "regtrack", "version": __version__, "now": context.now.isoformat()}
    (staging / MARKER).write_text(json.dumps(marker) + "\n")


def write_pages(
    store: Store,
    folder: Path,
    records: Sequence[Regression],
    context: PageContext,
    processes: int | None = None,
) -> PageCounts:
    """A page per record in ``folder``, shared among processes (module doc)."""
    folder.mkdir()
    shares = processes or _default_processes(len(records))
    if shares <= 1 or len(records) < 2:
        return _write_share(store, folder, records, context)
    parts = [list(records[n::shares]) for n in range(shares)]
    with _process_pool(shares - 1) as pool:
        apart = [
            pool.apply_async(_write_share_apart, (str(store.path), folder, part, context))
            for part in parts[1:]
        ]
        counts = _write_share(store, folder, parts[0], context)
        for share in apart:
            counts.add(share.get())
    return counts


@contextlib.contextmanager
def _process_pool(workers: int) -> Iterator[multiprocessing.pool.Pool]:
    """Processes started afresh ("spawn": no fork of a process with threads and an open
    database) that leave Ctrl-C to this one, which ends the run once (each of them would
    print a traceback of its own), and are terminated when the block ends, whether it
    ends well or not.  They ignore SIGINT from their first instruction: it is ignored
    here while they are started, which they inherit (a blocked mask they would not:
    spawn starts them with none).  A Ctrl-C in those milliseconds is lost."""
    spawn = multiprocessing.get_context("spawn")
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        pool = spawn.Pool(workers, initializer=end_with_the_process)
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
    try:
        yield pool
    finally:
        pool.terminate()
        pool.join()


def _default_processes(regressions: int) -> int:
    if regressions < PARALLEL_FROM:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_PROCESSES))


def _write_share_apart(
    database: str, folder: Path, records: list[Regression], context: PageContext
) -> PageCounts:
    """:func:`_write_share` in another process, with its own read-only connection."""
    store = Store(database, read_only=True)
    try:
        return _write_share(store, folder, records, context)
    finally:
        store.close()


def _write_share(
    store: Store, folder: Path, records: Sequence[Regression], context: PageContext
) -> PageCounts:
    counts = PageCounts()
    program = dot_program()
    pages = regression_pages(store, records, now=context.now)
    stop = threading.Event()
    with ThreadPoolExecutor(1) as drawer, ThreadPoolExecutor(2) as writer:
        try:
            pending: tuple[list[RegressionPage], Future[list[Drawing]]] | None = None
            writes: list[Future[Any]] = []
            for batch in _batches(pages, BATCH):
                drawn = drawer.submit(_draw_batch, batch, program, stop)
                if pending is not None:
                    writes = _render_batch(folder, *pending, context, counts, writer, writes)
                pending = (batch, drawn)
            if pending is not None:
                writes = _render_batch(folder, *pending, context, counts, writer, writes)
            for write in writes:
                write.result()
        except BaseException:  # Ctrl-C, a full disk: the threads' work is not wanted now
            stop.set()
            stop_all()  # the batch being drawn: dot is in a session of its own
            writer.shutdown(wait=False, cancel_futures=True)
            raise
    return counts


def _batches(pages: Iterator[RegressionPage], size: int) -> Iterator[list[RegressionPage]]:
    while batch := list(islice(pages, size)):
        yield batch


def _draw_batch(
    batch: list[RegressionPage], program: str | None, stop: threading.Event
) -> list[Drawing]:
    """The drawings of the pages that have a graph to draw (an empty one where not)."""
    dots = [page.graph_dot for page in batch if page.graph_dot is not None]
    drawings = iter(draw(dots, program, stop=stop) if program else [])
    return [
        next(drawings) if page.graph_dot is not None and program else Drawing(None)
        for page in batch
    ]


def _render_batch(
    folder: Path,
    batch: list[RegressionPage],
    drawn: Future[list[Drawing]],
    context: PageContext,
    counts: PageCounts,
    writer: ThreadPoolExecutor,
    previous: list[Future[Any]],
) -> list[Future[Any]]:
    """Render a batch's pages and hand their files to the writer threads, once the
    previous batch's files are written (so at most two batches are held)."""
    for write in previous:
        write.result()
    writes = []
    for page, drawing in zip(batch, drawn.result(), strict=True):
        html = regression_html(page, context, drawing)
        writes.append(writer.submit((folder / f"{page.record.id}.html").write_text, html))
        counts.pages += 1
        if drawing.svg:
            counts.graphs += 1
            continue
        reason = (
            "failed" if drawing.problem
            else "no-dot" if page.graph_dot is not None
            else "too-large" if page.graph_nodes > 1
            else "nothing-to-draw"
        )  # fmt: skip
        counts.graphs_not_drawn[reason] = counts.graphs_not_drawn.get(reason, 0) + 1
    return writes


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
