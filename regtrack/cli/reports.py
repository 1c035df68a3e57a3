"""What regtrack writes for people to read: the weekly digest and the web report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from regtrack.cli.base import (
    cli,
    db_option,
    echo_json,
    handles_errors,
    json_option,
    open_store,
    resolve_now,
    tree_names,
)
from regtrack.config import (
    DEFAULT_DIGEST_FROM,
    DEFAULT_DIGEST_TO,
    load_config,
    tracking_settings,
)
from regtrack.digest import build_digest, weekly_counts
from regtrack.errors import (
    EXIT_OK,
    StoreError,
)
from regtrack.period import moment_of, period_of
from regtrack.render.chart import weekly_chart_svg
from regtrack.render.digest import (
    render_html,
    render_json,
    render_mail,
    render_markdown,
    render_text,
)
from regtrack.render.sitewrite import report_json, report_line, write_report


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
    "--tree", "trees", multiple=True, metavar="T", callback=tree_names,
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
    store = open_store(db_path, read_only=True)
    summary = write_report(
        store, directory, now=resolve_now(now), stale_days=tracking_settings()[1], trees=trees,
        config=load_config(),
    )  # fmt: skip
    if as_json:
        echo_json(report_json(summary))
    else:
        click.echo(report_line(summary))
    return EXIT_OK


DIGEST_FORMATS = ("text", "markdown", "html", "json")


@cli.command("digest")
@click.option(
    "--week", metavar="YYYY-Www", help="An ISO week, e.g. 2023-W30 (Monday 00:00 UTC on)."
)
@click.option("--since", metavar="DATE", help="Start of the period (UTC unless a zone is given).")
@click.option("--until", metavar="DATE", help="End of the period, not included [default: now].")
@click.option(
    "--tree", "trees", multiple=True, metavar="T", callback=tree_names,
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
    store = open_store(db_path, read_only=True)
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
