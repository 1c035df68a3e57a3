"""The questions (fixed-by, culprit, related) and the relation graph."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from regtrack.cli.base import (
    cli,
    db_option,
    echo_json,
    echo_lines,
    handles_errors,
    json_option,
    open_store,
)
from regtrack.errors import (
    EXIT_OK,
    StoreError,
)
from regtrack.link.export import FORMATS as GRAPH_FORMATS
from regtrack.link.export import IMAGE_FORMATS, export, image
from regtrack.query import (
    graph_of,
)
from regtrack.questions import Answer, culprit, fixed_by, related
from regtrack.render.graph import graph_lines, graph_summary
from regtrack.render.lines import terminal_safe
from regtrack.render.questions import answer_json, answer_lines
from regtrack.store import Store


def _question(name: str, ask: Callable[[Store, str], Answer], summary: str) -> None:
    """Register one question command: REFERENCE in, an answer with its evidence out."""

    @cli.command(name, help=summary)
    @click.argument("reference")
    @db_option
    @json_option
    @handles_errors
    def command(reference: str, db_path: str | None, as_json: bool) -> int:
        answer = ask(open_store(db_path, read_only=True), reference)
        if as_json:
            echo_json(answer_json(answer))
        else:
            echo_lines(answer_lines(answer))
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
@click.option("--svg", is_flag=True, help="Same as --format svg.")
@click.option("--png", is_flag=True, help="Same as --format png.")
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    help="Write the graph to this file instead of standard output.",
)
@handles_errors
def graph_command(
    reference: str,
    db_path: str | None,
    as_json: bool,
    depth: int,
    form: str,
    svg: bool,
    png: bool,
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
    form = _one_format(form, as_json=as_json, svg=svg, png=png)
    stdout = sys.stdout.buffer
    if form == "png" and output is None and stdout.isatty():
        raise click.UsageError("a PNG is not for a terminal: give --output FILE or redirect")
    store = open_store(db_path, read_only=True)
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


def _one_format(form: str, *, as_json: bool, svg: bool, png: bool) -> str:
    """The one output format ``--format``, ``--json``, ``--svg`` and ``--png`` ask for;
    two that disagree are bad usage, not a guess."""
    given = click.get_current_context().get_parameter_source("form")
    asked = {form} if given is not click.core.ParameterSource.DEFAULT else set()
    asked |= {name for name, flag in (("json", as_json), ("svg", svg), ("png", png)) if flag}
    if len(asked) > 1:
        raise click.UsageError(f"give one output format, not {' and '.join(sorted(asked))}")
    return asked.pop() if asked else form
