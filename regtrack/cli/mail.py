"""Commands over mail and git: ingest, show, list, update, extract, search, stats, scan-git."""

from __future__ import annotations

import traceback
from datetime import datetime
from pathlib import Path

import click

from regtrack.cli.base import (
    MAX_MAX_SIZE_MB,
    cli,
    db_option,
    debugging,
    echo_json,
    echo_lines,
    finite,
    handles_errors,
    json_option,
    open_store,
    resolve_now,
    tree_name,
)
from regtrack.config import (
    tracking_settings,
)
from regtrack.errors import (
    EXIT_OK,
    EXIT_SKIPPED,
    Interrupted,
)
from regtrack.gitsync import scan_branch
from regtrack.ingest import DEFAULT_MAX_SIZE, IngestSummary, extract_stored, ingest
from regtrack.query import (
    find_regression,
    regression_list,
    related_by_signature,
    thread_view,
)
from regtrack.render.extract import extract_json, extract_line, extract_notes
from regtrack.render.gitscan import scan_json, scan_line
from regtrack.render.ingest import ingest_errors, ingest_json, ingest_line, ingest_notes
from regtrack.render.lines import count
from regtrack.render.progress import progress_bar
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
from regtrack.render.stats import stats_json, stats_lines
from regtrack.render.thread import thread_json, thread_lines
from regtrack.sizes import format_size
from regtrack.sources.detect import open_targets
from regtrack.state import update_all
from regtrack.store import Store
from regtrack.store.commits import TREES
from regtrack.store.regressions import STATUSES
from regtrack.store.search import SORTS


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
    callback=lambda _ctx, _param, value: finite(value, "--max-size"),
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
@click.option(
    "--no-track",
    is_flag=True,
    help=(
        "Store and extract without deriving the regression records (several bulk loads in a "
        "row); the next ingest or regtrack update derives them."
    ),
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
    no_track: bool,
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
    store = open_store(db_path)
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
                track=not no_track,
                threshold=tracking_settings()[0],
            )
    except KeyboardInterrupt as exc:
        raise Interrupted(
            "interrupted; every finished batch is stored, run again to complete"
        ) from exc
    summary.warnings.extend(warnings)
    if debugging():
        for error in summary.errors:  # collected, not raised: show where each came from
            click.echo("".join(traceback.format_exception(error)), err=True, nl=False)
    _print_ingest(summary, store, as_json, verbose)
    return summary.exit_code


def _print_ingest(summary: IngestSummary, store: Store, as_json: bool, verbose: bool) -> None:
    if as_json:
        echo_json(ingest_json(summary, store.path, store.stats()))
    else:
        echo_lines(ingest_notes(summary, verbose), err=True)
        click.echo(ingest_line(summary, store.path))
    echo_lines(ingest_errors(summary), err=True)


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
    store = open_store(db_path, read_only=True)
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
        echo_json(data)
        return EXIT_OK
    if record is not None:
        unhandled = store.unhandled_commands(record.id)
        related = related_by_signature(store, record)
        echo_lines(regression_lines(record, resolve_now(now), unhandled, related))
        click.echo("thread:")
    echo_lines(thread_lines(view, body))
    return EXIT_OK


@cli.command("list")
@db_option
@json_option
@click.option(
    "--status", "statuses", multiple=True, type=click.Choice(STATUSES),
    help="Only regressions with this status (repeatable).",
)  # fmt: skip
@click.option(
    "--tree", metavar="T", callback=tree_name,
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
    store = open_store(db_path, read_only=True)
    if unhandled:
        commands = store.unhandled_commands()
        if as_json:
            echo_json([unhandled_json(item) for item in commands])
        else:
            echo_lines(unhandled_lines(commands))
            click.echo(count(len(commands), "unhandled command"), err=True)
        return EXIT_OK
    moment = resolve_now(now)
    records = regression_list(
        store,
        statuses=statuses,
        tree=tree,
        since=resolve_now(since).isoformat() if since else None,
        min_score=min_score,
        now=moment,
        stale_days=tracking_settings()[1],
    )
    if as_json:
        echo_json([regression_json(record) for record in records])
        return EXIT_OK
    if records:
        echo_lines(list_lines(records, moment))
    click.echo(list_summary(records), err=True)
    return EXIT_OK


@cli.command("update")
@db_option
@json_option
@handles_errors
def update_command(db_path: str | None, as_json: bool) -> int:
    """Derive every regression record again from the stored mail and commits.
    Idempotent; ingest, extract and scan-git keep the records current by themselves."""
    store = open_store(db_path, create=False)
    result = update_all(store, tracking_settings()[0])
    if as_json:
        echo_json(update_json(result, store.path))
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
    store = open_store(db_path, create=False)
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
        echo_json(extract_json(done, problems))
    else:
        echo_lines(extract_notes(problems), err=True)
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
    store = open_store(db_path, read_only=True)
    hits = store.search(query, limit, fts=fts, reports_only=reports_only, sort=sort)
    if as_json:
        echo_json(search_json(hits))
    else:
        echo_lines(search_lines(hits))
        if not hits:
            click.echo("no matches", err=True)
    return EXIT_OK


@cli.command("stats")
@db_option
@json_option
@handles_errors
def stats_command(db_path: str | None, as_json: bool) -> int:
    """Count what the database holds: messages, threads, variants, skips, sources."""
    store = open_store(db_path, read_only=True)
    stats = store.stats()
    if as_json:
        echo_json(stats_json(store.path, stats))
    else:
        echo_lines(stats_lines(store.path, stats))
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
    store = open_store(db_path)
    scans = [scan_branch(store, repository, tree, branch) for branch in branches or (None,)]
    if any(scan.mode != "unchanged" for scan in scans):
        update_all(store, tracking_settings()[0])
    if as_json:
        echo_json(scan_json(scans, store.path))
    else:
        echo_lines(scan_line(scan, store.path) for scan in scans)
    return EXIT_OK
