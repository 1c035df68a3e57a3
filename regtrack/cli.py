"""The ``regtrack`` command: parse options, call one library function, render.

Every command takes ``--db PATH``; commands that print data take ``--json``.
What is printed comes from :mod:`regtrack.render`.  Exit codes: 0 success,
1 error (one line on stderr; ``--debug`` for the traceback), 2 bad usage,
3 ingest or extract finished but skipped some records, 130 interrupted;
each :class:`RegtrackError` carries its own.
"""

from __future__ import annotations

import functools
import json
import math
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from regtrack import __version__
from regtrack.config import (
    DEFAULT_DIGEST_FROM,
    DEFAULT_DIGEST_TO,
    load_config,
    resolve_db_path,
    tracking_settings,
)
from regtrack.digest import build_digest, weekly_counts
from regtrack.errors import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SKIPPED,
    Interrupted,
    RegtrackError,
    StoreError,
)
from regtrack.gitsync import scan_branch
from regtrack.ingest import DEFAULT_MAX_SIZE, IngestSummary, extract_stored, ingest
from regtrack.link.export import FORMATS as GRAPH_FORMATS
from regtrack.link.export import IMAGE_FORMATS, export, image
from regtrack.period import moment_of, period_of
from regtrack.query import (
    find_regression,
    graph_of,
    regression_list,
    related_by_signature,
    thread_view,
)
from regtrack.questions import Answer, culprit, fixed_by, related
from regtrack.render.chart import weekly_chart_svg
from regtrack.render.digest import (
    render_html,
    render_json,
    render_mail,
    render_markdown,
    render_text,
)
from regtrack.render.extract import extract_json, extract_line, extract_notes
from regtrack.render.gitscan import scan_json, scan_line
from regtrack.render.graph import graph_lines, graph_summary
from regtrack.render.ingest import ingest_errors, ingest_json, ingest_line, ingest_notes
from regtrack.render.lines import count, error_line, terminal_safe
from regtrack.render.progress import progress_bar
from regtrack.render.questions import answer_json, answer_lines
from regtrack.render.regressions import (
    list_lines,
    list_summary,
    regression_json,
    regression_lines,
    unhandled_json,
    unhandled_lines,
    update_json,
    update_line,
)
from regtrack.render.search import search_json, search_lines
from regtrack.render.sitewrite import report_json, report_line, write_report
from regtrack.render.stats import stats_json, stats_lines
from regtrack.render.thread import thread_json, thread_lines
from regtrack.sizes import format_size
from regtrack.sources.detect import open_targets
from regtrack.state import update_all
from regtrack.store import Store
from regtrack.store.commits import TREES
from regtrack.store.regressions import STATUSES
from regtrack.store.search import SORTS

db_option = click.option(
    "--db",
    "db_path",
    metavar="PATH",
    help="Database file [env REGTRACK_DB; default $XDG_DATA_HOME/regtrack/regtrack.db].",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``) and return its exit code.

    The console script, ``python -m regtrack`` and the ``cli.py`` shim exit
    with this value; tests call ``main([...])`` and read it.
    """
    try:
        return int(cli.main(args=argv, prog_name="regtrack", standalone_mode=False) or EXIT_OK)
    except click.ClickException as exc:  # bad usage: click's message, exit 2
        exc.show()
        return exc.exit_code
    except click.Abort:  # Ctrl-C while click parsed the arguments
        click.echo(error_line("interrupted"), err=True)
        return EXIT_INTERRUPTED


def handles_errors(command: Callable[..., int | None]) -> Callable[..., None]:
    """Run a command and end with its exit code: the one it returns, or its error's.

    A :class:`RegtrackError` is printed as one line on stderr (after its
    traceback with ``--debug``) and ends the command with the error's own
    ``exit_code``; Ctrl-C ends it with 130.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        context = click.get_current_context()
        debug = _debugging()
        try:
            code = command(*args, **kwargs)
        except RegtrackError as exc:
            code = _report_error(exc, debug)
        except KeyboardInterrupt as exc:
            code = _report_error(Interrupted("interrupted"), debug, cause=exc)
        context.exit(code or EXIT_OK)

    return wrapper


MAX_MAX_SIZE_MB = 1_000_000.0  # a terabyte: larger is a typo, and nan or inf no size


def _finite(value: float, option: str) -> float:
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a size", param_hint=option)
    return value


def _debugging() -> bool:
    """Whether ``--debug`` was given: tracebacks instead of one-line errors alone."""
    return bool(click.get_current_context().find_root().params.get("debug"))


def _report_error(error: RegtrackError, debug: bool, cause: BaseException | None = None) -> int:
    if debug:
        click.echo("".join(traceback.format_exception(cause or error)), err=True, nl=False)
    click.echo(terminal_safe(error_line(error)), err=True)
    return error.exit_code


def _echo_lines(lines: Iterable[str], err: bool = False) -> None:
    for line in lines:
        click.echo(terminal_safe(line), err=err)


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2))


def _open_store(db_path: str | None, read_only: bool = False, create: bool = True) -> Store:
    """The database; commands that only read open it read-only and never create it,
    and ``extract`` (which only rewrites what is stored) never creates it either."""
    return Store(resolve_db_path(db_path), read_only=read_only, create=create)


@click.group(
    epilog="""Examples:

\b
  regtrack ingest data/example-thread.mbox
  regtrack ingest 'https://lore.kernel.org/all/<msgid>/'
  regtrack ingest ~/mirrors/linux-next          # a public-inbox v2 repository
  regtrack show '<msgid>'
  regtrack search 'mmu_notifier regression'
  regtrack scan-git ~/src/linux-next --tree next
"""
)
@click.version_option(__version__, prog_name="regtrack")
@click.option(
    "--debug", is_flag=True, help="Show an error's traceback before its one-line message."
)
def cli(debug: bool) -> None:
    """Track Linux kernel regressions from mailing-list threads."""


@cli.command("ingest")
@click.argument("targets", nargs=-1, required=True)
@db_option
@click.option(
    "--lore", "lore_url", metavar="URL", help="public-inbox base URL [env REGTRACK_LORE]."
)
@click.option(
    "--via",
    type=click.Choice(["http", "b4"]),
    default="http",
    show_default=True,
    help="Fetch message-ids with regtrack's HTTP client or through b4.",
)
@click.option(
    "--refresh",
    is_flag=True,
    help="Fetch threads again instead of using the cache; re-read files and repositories.",
)
@click.option(
    "--single-message", is_flag=True, help="For a message-id, fetch that message, not its thread."
)
@click.option(
    "--max-size",
    # max_open=False and a finite bound: nan and inf are not sizes.
    type=click.FloatRange(min=0.001, max=MAX_MAX_SIZE_MB),
    callback=lambda _ctx, _param, value: _finite(value, "--max-size"),
    default=DEFAULT_MAX_SIZE / 1e6,
    metavar="MB",
    help=(
        "Skip messages larger than this many MB (1,000,000 bytes) "
        f"[default: {format_size(DEFAULT_MAX_SIZE)}, i.e. {DEFAULT_MAX_SIZE >> 20} MiB]."
    ),
)
@click.option(
    "--no-extract",
    is_flag=True,
    help="Store without extracting facts (faster bulk loads; run regtrack extract later).",
)
@json_option
@click.option("-v", "--verbose", is_flag=True, help="List every skipped record.")
@handles_errors
def ingest_command(
    targets: tuple[str, ...],
    db_path: str | None,
    lore_url: str | None,
    via: str,
    refresh: bool,
    single_message: bool,
    max_size: float,
    no_extract: bool,
    as_json: bool,
    verbose: bool,
) -> int:
    """Store mail from TARGETS: message-ids, lore URLs, mbox files (.gz/.xz
    too), Maildirs, public-inbox repositories, or - for an mbox on standard
    input.  A message-id or URL brings its whole thread.  Ingesting the same
    mail twice changes nothing.

    \b
    regtrack ingest data/example-thread.mbox
    regtrack ingest 20230725.abc@example.org --lore http://127.0.0.1:8080/all/
    regtrack ingest --via b4 'https://lore.kernel.org/r/<msgid>'
    """
    store = _open_store(db_path)
    warnings: list[str] = []
    sources = open_targets(
        targets,
        cursor_for=store.source_cursor,
        lore_url=lore_url,
        via=via,
        refresh=refresh,
        single_message=single_message,
        max_size=int(max_size * 1e6),
        warn=warnings.append,
    )
    totals = [s.total for s in sources]
    total = sum(t for t in totals if t is not None) if None not in totals else None
    progress = progress_bar("ingesting", quiet=as_json)
    try:
        with progress:
            task = progress.add_task("ingest", total=total)
            summary = ingest(
                store,
                sources,
                max_size=int(max_size * 1e6),
                on_progress=lambda _source, n: progress.advance(task, n),
                extract=not no_extract,
                threshold=tracking_settings()[0],
            )
    except KeyboardInterrupt as exc:
        raise Interrupted(
            "interrupted; every finished batch is stored, run again to complete"
        ) from exc
    summary.warnings.extend(warnings)
    if _debugging():
        for error in summary.errors:  # collected, not raised: show where each came from
            click.echo("".join(traceback.format_exception(error)), err=True, nl=False)
    _print_ingest(summary, store, as_json, verbose)
    return summary.exit_code


def _print_ingest(summary: IngestSummary, store: Store, as_json: bool, verbose: bool) -> None:
    if as_json:
        _echo_json(ingest_json(summary, store.path, store.stats()))
    else:
        _echo_lines(ingest_notes(summary, verbose), err=True)
        click.echo(ingest_line(summary, store.path))
    _echo_lines(ingest_errors(summary), err=True)


@cli.command("show")
@click.argument("reference")
@db_option
@json_option
@click.option("--body", is_flag=True, help="Also print the message's body.")
@click.option(
    "--now", type=click.DateTime(), metavar="DATE", help="Ages as of DATE [default: now]."
)
@handles_errors
def show_command(
    reference: str, db_path: str | None, as_json: bool, body: bool, now: datetime | None
) -> int:
    """Print a regression (REFERENCE is its id, a start of it, or any message of its
    thread) with its history and thread, or the stored thread of a message (a
    message-id or lore URL) that belongs to no regression."""
    store = _open_store(db_path, read_only=True)
    record = find_regression(store, reference)
    asked = reference if record is None or "@" in reference else record.report
    view = thread_view(store, asked)
    if as_json:
        data = thread_json(view, body)
        data["regression"] = (
            regression_json(
                record, store.unhandled_commands(record.id), related_by_signature(store, record)
            )
            if record
            else None
        )
        _echo_json(data)
        return EXIT_OK
    if record is not None:
        unhandled = store.unhandled_commands(record.id)
        related = related_by_signature(store, record)
        _echo_lines(regression_lines(record, _moment(now), unhandled, related))
        click.echo("thread:")
    _echo_lines(thread_lines(view, body))
    return EXIT_OK


def _moment(now: datetime | None) -> datetime:
    """``--now`` (naive dates are UTC), else the current time."""
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo else now.replace(tzinfo=UTC)


_TREE_NAME = re.compile(r"mainline|next|stable(?:-\d+\.\d+)?")


def _tree_name(
    _context: click.Context, _parameter: click.Parameter, tree: str | None
) -> str | None:
    """A tree ``list`` can filter on: a misspelt one would list nothing and say nothing."""
    if tree is not None and not _TREE_NAME.fullmatch(tree):
        raise click.BadParameter(f"{tree!r} is not a tree (mainline, next, stable, stable-6.1)")
    return tree


def _tree_names(
    context: click.Context, parameter: click.Parameter, trees: tuple[str, ...]
) -> tuple[str, ...]:
    """Trees ``digest`` and ``report`` take (``--tree`` repeated), each checked."""
    return tuple(_tree_name(context, parameter, tree) or tree for tree in trees)


@cli.command("list")
@db_option
@json_option
@click.option(
    "--status", "statuses", multiple=True, type=click.Choice(STATUSES),
    help="Only regressions with this status (repeatable).",
)  # fmt: skip
@click.option(
    "--tree", metavar="T", callback=_tree_name,
    help="Only this tree: mainline, next, stable or stable-6.1.",
)  # fmt: skip
@click.option(
    "--since", type=click.DateTime(), metavar="DATE", help="Only with activity since DATE."
)
@click.option(
    "--min-score",
    type=click.IntRange(-1000, 1000),
    metavar="N",
    help="Only reports the classifier scored at least N.",
)
@click.option(
    "--now", type=click.DateTime(), metavar="DATE", help="Ages as of DATE [default: now]."
)
@click.option(
    "--unhandled",
    is_flag=True,
    help="List the #regzbot commands that were not obeyed, with the reason, instead.",
)
@handles_errors
def list_command(
    db_path: str | None,
    as_json: bool,
    statuses: tuple[str, ...],
    tree: str | None,
    since: datetime | None,
    min_score: int | None,
    now: datetime | None,
    unhandled: bool,
) -> int:
    """List tracked regressions, most recent activity first: id, status, tree, age,
    last activity, culprit, flags (culprit, backburner, poked, stale) and title.

    \b
    regtrack list --status open --status fix-posted --tree next
    regtrack list --since 2023-07-01 --json
    """
    store = _open_store(db_path, read_only=True)
    if unhandled:
        commands = store.unhandled_commands()
        if as_json:
            _echo_json([unhandled_json(item) for item in commands])
        else:
            _echo_lines(unhandled_lines(commands))
            click.echo(count(len(commands), "unhandled command"), err=True)
        return EXIT_OK
    moment = _moment(now)
    records = regression_list(
        store,
        statuses=statuses,
        tree=tree,
        since=_moment(since).isoformat() if since else None,
        min_score=min_score,
        now=moment,
        stale_days=tracking_settings()[1],
    )
    if as_json:
        _echo_json([regression_json(record) for record in records])
        return EXIT_OK
    if records:
        _echo_lines(list_lines(records, moment))
    click.echo(list_summary(records), err=True)
    return EXIT_OK


def _question(name: str, ask: Callable[[Store, str], Answer], summary: str) -> None:
    """Register one question command: REFERENCE in, an answer with its evidence out."""

    @cli.command(name, help=summary)
    @click.argument("reference")
    @db_option
    @json_option
    @handles_errors
    def command(reference: str, db_path: str | None, as_json: bool) -> int:
        answer = ask(_open_store(db_path, read_only=True), reference)
        if as_json:
            _echo_json(answer_json(answer))
        else:
            _echo_lines(answer_lines(answer))
        return EXIT_OK


_question(
    "fixed-by",
    fixed_by,
    """Which mails and commits fix the regression REFERENCE (its id, a start of it, or
    any message of its thread), in which trees, how each was found and how sure, and what
    is still missing; with no fix, the nearest candidates, marked as such.""",
)
_question(
    "culprit",
    culprit,
    """The culprit of the regression REFERENCE: the commit, who named it where and how,
    the other commits the thread blamed, whether a revert confirmed it, its own posting.""",
)
_question(
    "related",
    related,
    """Regressions and threads related to REFERENCE: the same crash or build-failure
    signature, duplicates, monitored threads and links, the same culprit.""",
)


@cli.command("graph")
@click.argument("reference")
@db_option
@json_option
@click.option(
    "--depth",
    type=click.IntRange(0, 6),
    default=2,
    show_default=True,
    help="How many edges out from REFERENCE.",
)
@click.option(
    "--format",
    "form",
    type=click.Choice(("tree", *GRAPH_FORMATS, *IMAGE_FORMATS)),
    default="tree",
    show_default=True,
    help="An indented tree for people; GraphML, GEXF, node-link JSON, Graphviz DOT for "
    "tools; an SVG or PNG image drawn by Graphviz's dot (where it is installed).",
)
@click.option("--svg", "image_form", flag_value="svg", help="Same as --format svg.")
@click.option("--png", "image_form", flag_value="png", help="Same as --format png.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the graph to this file instead of standard output.",
)
@handles_errors
def graph_command(
    reference: str,
    db_path: str | None,
    as_json: bool,
    depth: int,
    form: str,
    image_form: str | None,
    output: Path | None,
) -> int:
    """The relation graph around REFERENCE (a regression id, any message-id or lore URL,
    or commit:<id>): messages, regressions, commits and crash or build signatures, and
    the edges between them (replies-to, links-to, reported-by, introduced-by, fixes,
    resolves, duplicate-of, same-signature, backport-of, reverts), each with its source.

    \b
    regtrack graph af25647953cc
    regtrack graph af25647953cc --format graphml --output seed.graphml
    regtrack graph af25647953cc --svg --output seed.svg
    """
    form = "json" if as_json else image_form or form
    stdout = sys.stdout.buffer
    if form == "png" and output is None and stdout.isatty():
        raise click.UsageError("a PNG is not for a terminal: give --output FILE or redirect")
    store = _open_store(db_path, read_only=True)
    start, graph = graph_of(store, reference, depth)
    if form == "tree":
        lines = graph_lines(graph, start)
        data = ("\n".join(terminal_safe(line) for line in lines) + "\n").encode()
    elif form in IMAGE_FORMATS:
        data = image(graph, form)
    else:
        data = (export(graph, form) + ("" if form in ("graphml", "gexf") else "\n")).encode()
    if output is None:
        stdout.write(data)
        stdout.flush()
    else:
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise StoreError(f"{output}: cannot write the graph ({exc.strerror})") from exc
        click.echo(f"{graph_summary(graph)} written to {output}", err=True)
    return EXIT_OK


@cli.command("report")
@click.option(
    "--html", "directory", required=True, metavar="DIR",
    type=click.Path(path_type=Path),
    help="Write the site into DIR (new, empty, or an earlier report, which is replaced).",
)  # fmt: skip
@click.option(
    "--now", type=click.DateTime(), metavar="DATE", help="Ages as of DATE [default: now]."
)
@click.option(
    "--tree", "trees", multiple=True, metavar="T", callback=_tree_names,
    help="Only this tree (repeatable): mainline, next, stable or stable-6.1.",
)  # fmt: skip
@db_option
@json_option
@handles_errors
def report_command(
    directory: Path,
    now: datetime | None,
    trees: tuple[str, ...],
    db_path: str | None,
    as_json: bool,
) -> int:
    """Write the web report: a static site in DIR (index.html, a page per regression)
    that works from file:// with no server and no network.

    \b
    regtrack report --html site/
    regtrack report --html site/ --tree mainline --tree next --now 2023-08-01
    """
    store = _open_store(db_path, read_only=True)
    summary = write_report(
        store, directory, now=_moment(now), stale_days=tracking_settings()[1], trees=trees,
        config=load_config(),
    )  # fmt: skip
    if as_json:
        _echo_json(report_json(summary))
    else:
        click.echo(report_line(summary))
    return EXIT_OK


@cli.command("update")
@db_option
@json_option
@handles_errors
def update_command(db_path: str | None, as_json: bool) -> int:
    """Derive every regression record again from the stored mail and commits.
    Idempotent; ingest, extract and scan-git keep the records current by themselves."""
    store = _open_store(db_path, create=False)
    result = update_all(store, tracking_settings()[0])
    if as_json:
        _echo_json(update_json(result, store.path))
    else:
        click.echo(update_line(result, store.path))
    return EXIT_OK


@cli.command("extract")
@db_option
@click.option(
    "--all", "redo", is_flag=True, help="Extract every message again, not only stale ones."
)
@json_option
@handles_errors
def extract_command(db_path: str | None, redo: bool, as_json: bool) -> int:
    """Extract facts from stored messages that have none, or facts from an older
    regtrack (ingest extracts new messages by itself)."""
    store = _open_store(db_path, create=False)
    progress = progress_bar("extracting", quiet=as_json)
    total = store.stats()["messages" if redo else "without_facts"]
    with progress:
        task = progress.add_task("extract", total=total)
        done, problems = extract_stored(
            store, redo=redo, on_progress=lambda n: progress.advance(task, n)
        )
    if done:
        update_all(store, tracking_settings()[0])
    if as_json:
        _echo_json(extract_json(done, problems))
    else:
        _echo_lines(extract_notes(problems), err=True)
        click.echo(extract_line(done, store.path))
    return EXIT_SKIPPED if problems else EXIT_OK


@cli.command("search")
@click.argument("query")
@db_option
@json_option
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=100_000),
    default=20,
    show_default=True,
    help="How many results.",
)
@click.option(
    "--sort",
    type=click.Choice(SORTS),
    default="rank",
    show_default=True,
    help="Best match first, or newest first.",
)
@click.option(
    "--reports",
    "reports_only",
    is_flag=True,
    help="Only messages classified as regression reports.",
)
@click.option("--fts", is_flag=True, help="QUERY is SQLite FTS5 syntax (AND, OR, NEAR, subject:).")
@handles_errors
def search_command(
    query: str,
    db_path: str | None,
    as_json: bool,
    limit: int,
    sort: str,
    reports_only: bool,
    fts: bool,
) -> int:
    """Full-text search over stored subjects and bodies: messages holding every
    word of QUERY, each word as text (linux-next, mm/mmu_notifier.c, Don't)."""
    store = _open_store(db_path, read_only=True)
    hits = store.search(query, limit, fts=fts, reports_only=reports_only, sort=sort)
    if as_json:
        _echo_json(search_json(hits))
    else:
        _echo_lines(search_lines(hits))
        if not hits:
            click.echo("no matches", err=True)
    return EXIT_OK


@cli.command("stats")
@db_option
@json_option
@handles_errors
def stats_command(db_path: str | None, as_json: bool) -> int:
    """Count what the database holds: messages, threads, variants, skips, sources."""
    store = _open_store(db_path, read_only=True)
    stats = store.stats()
    if as_json:
        _echo_json(stats_json(store.path, stats))
    else:
        _echo_lines(stats_lines(store.path, stats))
    return EXIT_OK


@cli.command("scan-git")
@click.argument("repository", type=click.Path(path_type=Path))
@click.option(
    "--tree",
    type=click.Choice(TREES),
    required=True,
    help="Which kernel tree the repository holds (regzbot's trees).",
)
@click.option(
    "--branch",
    "branches",
    multiple=True,
    metavar="B",
    help="A branch to scan (repeatable) [default: the branch HEAD names].",
)
@db_option
@json_option
@handles_errors
def scan_git_command(
    repository: Path, tree: str, branches: tuple[str, ...], db_path: str | None, as_json: bool
) -> int:
    """Read the commits of REPOSITORY's branches (a clone or a bare repository) into
    the database: the whole branch the first time, then only new commits; after a
    rebase (linux-next is rebuilt daily) from the merge base, marking the commits
    that left the branch.  Scanning twice changes nothing.

    \b
    regtrack scan-git ~/src/linux --tree mainline
    regtrack scan-git ~/src/linux-stable --tree stable --branch linux-6.1.y
    """
    store = _open_store(db_path)
    scans = [scan_branch(store, repository, tree, branch) for branch in branches or (None,)]
    if any(scan.mode != "unchanged" for scan in scans):
        update_all(store, tracking_settings()[0])
    if as_json:
        _echo_json(scan_json(scans, store.path))
    else:
        _echo_lines(scan_line(scan, store.path) for scan in scans)
    return EXIT_OK


DIGEST_FORMATS = ("text", "markdown", "html", "json")


@cli.command("digest")
@click.option(
    "--week", metavar="YYYY-Www", help="An ISO week, e.g. 2023-W30 (Monday 00:00 UTC on)."
)
@click.option("--since", metavar="DATE", help="Start of the period (UTC unless a zone is given).")
@click.option("--until", metavar="DATE", help="End of the period, not included [default: now].")
@click.option(
    "--tree", "trees", multiple=True, metavar="T", callback=_tree_names,
    help="Only this tree (repeatable): mainline, next, stable or stable-6.1.",
)  # fmt: skip
@click.option(
    "--format", "form", type=click.Choice(DIGEST_FORMATS), default="text", show_default=True,
    help="Plain text (mail-ready), Markdown, one HTML page, or JSON.",
)  # fmt: skip
@click.option("--now", metavar="DATE", help="Take DATE as the current time [default: now].")
@click.option(
    "--mail", is_flag=True,
    help="Write a complete mail (From, To, Cc from the config) for git send-email or sendmail -t.",
)  # fmt: skip
@click.option(
    "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file instead of standard output.",
)  # fmt: skip
@db_option
@json_option
@handles_errors
def digest_command(
    week: str | None,
    since: str | None,
    until: str | None,
    trees: tuple[str, ...],
    form: str,
    now: str | None,
    mail: bool,
    output: Path | None,
    db_path: str | None,
    as_json: bool,
) -> int:
    """The weekly regression digest: counts, new, fixed and open regressions by tree,
    fixes waiting to be merged, regressions without activity, duplicates, pokes; each
    with the step it waits for.  By default the last whole ISO week.

    \b
    regtrack digest --week 2023-W30
    regtrack digest --tree mainline --format markdown --output digest.md
    regtrack digest --mail --output digest.eml && git send-email digest.eml
    """
    form = "json" if as_json else form
    if mail and form != "text":
        raise click.UsageError("--mail writes the text digest; leave out --format/--json")
    moment = moment_of(now) if now else datetime.now(UTC)
    period = period_of(week=week, since=since, until=until, now=moment)
    store = _open_store(db_path, read_only=True)
    config = load_config()
    digest = build_digest(store, period, trees=trees, now=moment, config=config)
    if mail:
        text = render_mail(
            digest, sender=str(config.get("digest_from", DEFAULT_DIGEST_FROM)),
            to=str(config.get("digest_to", DEFAULT_DIGEST_TO)),
            cc=str(config.get("digest_cc", "")), now=moment,
        )  # fmt: skip
    elif form == "html":
        counts = weekly_counts(store, until=period.until, trees=trees)
        text = render_html(digest, chart_svg=weekly_chart_svg(counts))
    else:
        render = {"text": render_text, "markdown": render_markdown, "json": render_json}[form]
        text = render(digest)
    if output is None:
        click.echo(text, nl=False)
        return EXIT_OK
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"{output}: cannot write the digest ({exc.strerror})") from exc
    click.echo(f"digest of {period.label} written to {output}", err=True)
    return EXIT_OK
