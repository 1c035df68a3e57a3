"""The ``regtrack`` command: argument parsing and output, nothing else.

Every command takes ``--db PATH``; commands that print data take ``--json``.
Exit codes: 0 success, 1 error (one line on stderr; ``--debug`` for the
traceback), 2 bad usage, 3 ingest finished but skipped some records,
130 interrupted.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from regtrack import __version__
from regtrack.config import resolve_cache_dir, resolve_db_path, resolve_lore_url
from regtrack.errors import RegtrackError
from regtrack.factsview import format_facts
from regtrack.ingest import DEFAULT_MAX_SIZE, IngestSummary, extract_stored, ingest
from regtrack.msgid import msgid_from_reference
from regtrack.sources.detect import open_sources
from regtrack.sources.lore import LoreClient
from regtrack.store import Store
from regtrack.threads import missing_ancestors, reply_tree

EXIT_ERROR, EXIT_SKIPPED, EXIT_INTERRUPTED = 1, 3, 130
MAX_SKIP_LINES = 20

db_option = click.option(
    "--db",
    "db_path",
    metavar="PATH",
    help="Database file [env REGTRACK_DB; default $XDG_DATA_HOME/regtrack/regtrack.db].",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def _fail(message: str, code: int = EXIT_ERROR) -> None:
    click.echo(f"regtrack: error: {message}", err=True)
    sys.exit(code)


def handles_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a RegtrackError into one line on stderr and exit 1 (unless --debug).

    Ctrl-C is one line too, and exit 130 (click would print "Aborted!" and exit 1).
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except RegtrackError as exc:
            if click.get_current_context().find_root().params.get("debug"):
                raise
            _fail(str(exc))
        except KeyboardInterrupt:
            _fail("interrupted", EXIT_INTERRUPTED)

    return wrapper


def _progress_bar(label: str, quiet: bool) -> Progress:
    """A bar on stderr for long work, shown only on a terminal and never with --json."""
    console = Console(stderr=True)
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet or not console.is_terminal,
    )


def _open_store(db_path: str | None) -> Store:
    return Store(resolve_db_path(db_path))


@click.group(
    epilog="""Examples:

\b
  regtrack ingest data/example-thread.mbox
  regtrack ingest 'https://lore.kernel.org/all/<msgid>/'
  regtrack ingest ~/mirrors/linux-next          # a public-inbox v2 repository
  regtrack show '<msgid>'
  regtrack search 'mmu_notifier AND regression'
"""
)
@click.version_option(__version__, prog_name="regtrack")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def main(debug: bool) -> None:
    """Track Linux kernel regressions from mailing-list threads."""


@main.command("ingest")
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
    type=click.FloatRange(min=0.001),
    default=DEFAULT_MAX_SIZE / 1e6,
    show_default=True,
    metavar="MB",
    help="Skip messages larger than this.",
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
) -> None:
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
    lore = LoreClient(resolve_lore_url(lore_url), resolve_cache_dir())
    sources = []
    for target in targets:
        sources.extend(
            open_sources(
                target,
                cursor_for=store.source_cursor,
                lore=lore,
                via=via,
                refresh=refresh,
                single_message=single_message,
                warn=warnings.append,
            )
        )
    totals = [s.total for s in sources]
    total = sum(t for t in totals if t is not None) if None not in totals else None
    progress = _progress_bar("ingesting", quiet=as_json)
    try:
        with progress:
            task = progress.add_task("ingest", total=total)
            summary = ingest(
                store,
                sources,
                max_size=int(max_size * 1e6),
                on_progress=lambda _source, n: progress.advance(task, n),
                extract=not no_extract,
            )
    except KeyboardInterrupt:
        _fail(
            "interrupted; every finished batch is stored, run again to complete", EXIT_INTERRUPTED
        )
    summary.warnings.extend(warnings)
    _report_ingest(summary, store, as_json, verbose)


def _report_ingest(summary: IngestSummary, store: Store, as_json: bool, verbose: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                {**summary.as_dict(), "database": str(store.path), "totals": store.stats()},
                indent=2,
            )
        )
    else:
        for line in summary.warnings:
            click.echo(f"regtrack: warning: {line}", err=True)
        shown = summary.skip_details if verbose else summary.skip_details[:MAX_SKIP_LINES]
        for line in shown:
            click.echo(f"regtrack: {line}", err=True)
        if len(shown) < len(summary.skip_details):
            click.echo(
                f"regtrack: ... {len(summary.skip_details) - len(shown)} more "
                "skipped records, see --verbose",
                err=True,
            )
        skipped = sum(summary.skipped.values())
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(summary.skipped.items()))
        click.echo(
            f"{summary.read} read: {summary.new} new, {summary.known} already known, "
            f"{summary.variants} variants of known Message-IDs, {skipped} skipped"
            + (f" ({reasons})" if reasons else "")
            + f"; database {store.path}"
        )
    if summary.errors:
        for line in summary.errors[:-1]:
            click.echo(f"regtrack: error: {line}", err=True)
        _fail(summary.errors[-1])
    if summary.skipped:
        sys.exit(EXIT_SKIPPED)


@main.command("show")
@click.argument("message")
@db_option
@json_option
@click.option("--body", is_flag=True, help="Also print the message's body.")
@handles_errors
def show_command(message: str, db_path: str | None, as_json: bool, body: bool) -> None:
    """Print the stored thread of MESSAGE (a message-id or lore URL) as a tree."""
    store = _open_store(db_path)
    msgid = msgid_from_reference(message)
    rows = store.thread_messages(msgid)
    if not rows:
        _fail(f"{msgid!r} is not in {store.path}; run: regtrack ingest '{msgid}'")
    by_id = {row["msgid"]: row for row in rows}
    ids = list(by_id)
    refs = store.references_of(ids)
    tree = reply_tree(ids, {m: by_id[m]["in_reply_to"] for m in ids}, refs)
    missing = missing_ancestors(ids, refs)
    wanted = store.message(msgid)
    if as_json:
        thread = [
            {**by_id[node.msgid], "depth": node.depth, "parent": node.parent} for node in tree
        ]
        out: dict[str, Any] = {
            "msgid": msgid,
            "thread": thread,
            "missing_references": missing,
            "facts": store.facts(msgid) if wanted else None,
        }
        if body and wanted:
            out["body"] = wanted["body"]
        click.echo(json.dumps(out, indent=2))
        return
    root = by_id[tree[0].msgid]
    click.echo(f"Thread: {root['subject']}")
    click.echo(
        f"{len(rows)} messages, dates in UTC"
        + (f"; {len(missing)} referenced messages are not in the database" if missing else "")
    )
    for node in tree:
        row = by_id[node.msgid]
        mark = ">" if node.msgid == msgid else " "
        date = (row["date_utc"] or "????-??-?? ??:??")[:16].replace("T", " ")
        sender = row["from_name"] or row["from_addr"]
        click.echo(f"{mark} {'  ' * node.depth}{date}  {sender}: {row['subject']}")
        click.echo(f"  {'  ' * node.depth}  <{node.msgid}>")
    if not wanted:
        click.echo(f"({msgid} itself is only referenced, not stored)")
        return
    facts = store.facts(msgid)
    click.echo("")
    if facts is None:
        click.echo("(no facts extracted yet; run: regtrack extract)")
    else:
        for line in format_facts(facts) or ["(no facts found in this message)"]:
            click.echo(line)
    if body:
        click.echo("")
        click.echo(wanted["body"])


@main.command("extract")
@db_option
@click.option(
    "--all", "redo", is_flag=True, help="Extract every message again, not only stale ones."
)
@json_option
@handles_errors
def extract_command(db_path: str | None, redo: bool, as_json: bool) -> None:
    """Extract facts from stored messages that have none, or facts from an older
    regtrack (ingest extracts new messages by itself)."""
    store = _open_store(db_path)
    progress = _progress_bar("extracting", quiet=as_json)
    total = store.stats()["messages" if redo else "without_facts"]
    with progress:
        task = progress.add_task("extract", total=total)
        done, problems = extract_stored(
            store, redo=redo, on_progress=lambda n: progress.advance(task, n)
        )
    if as_json:
        click.echo(json.dumps({"extracted": done, "problems": problems}, indent=2))
    else:
        for line in problems:
            click.echo(f"regtrack: warning: {line}", err=True)
        click.echo(f"{done} messages extracted; database {store.path}")
    if problems:
        sys.exit(EXIT_SKIPPED)


@main.command("search")
@click.argument("query")
@db_option
@json_option
@click.option("--limit", default=20, show_default=True, help="How many results.")
@handles_errors
def search_command(query: str, db_path: str | None, as_json: bool, limit: int) -> None:
    """Full-text search over stored subjects and bodies (SQLite FTS5 syntax)."""
    store = _open_store(db_path)
    rows = store.search(query, limit)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        date = (row["date_utc"] or "")[:10]
        click.echo(f"{date}  {row['from_name']}: {row['subject']}  <{row['msgid']}>")
    if not rows:
        click.echo("no matches", err=True)


@main.command("stats")
@db_option
@json_option
@handles_errors
def stats_command(db_path: str | None, as_json: bool) -> None:
    """Count what the database holds: messages, threads, variants, skips, sources."""
    store = _open_store(db_path)
    stats = store.stats()
    if as_json:
        click.echo(json.dumps({"database": str(store.path), **stats}, indent=2))
        return
    click.echo(f"database {store.path}")
    width = max(len(key) for key in stats)
    for key, value in stats.items():
        click.echo(f"{key.replace('_', ' '):>{width}}: {value}")
