"""The ``regtrack`` group, its options, and what every command shares: exit codes from
errors, one-line messages, the database, ``--now`` and ``--tree``."""

from __future__ import annotations

import functools
import json
import math
import re
import traceback
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import click

from regtrack import __version__
from regtrack.config import (
    resolve_db_path,
)
from regtrack.errors import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    Interrupted,
    RegtrackError,
)
from regtrack.render.lines import error_line, terminal_safe
from regtrack.store import Store

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
    except click.ClickException as exc:  # bad usage: one line, as every error, exit 2
        click.echo(terminal_safe(error_line(usage_message(exc))), err=True)
        return exc.exit_code
    except click.Abort:  # Ctrl-C while click parsed the arguments
        click.echo(error_line("interrupted"), err=True)
        return EXIT_INTERRUPTED


def usage_message(exc: click.ClickException) -> str:
    """Click's complaint as the one line every error is, naming the command and where its
    help is (click prints a usage block, a hint and the message on four lines)."""
    message = " ".join(exc.format_message().split())
    context = getattr(exc, "ctx", None)
    if context is None:
        return message
    return f"{context.command_path}: {message.rstrip('.')} (see {context.command_path} --help)"


def handles_errors(command: Callable[..., int | None]) -> Callable[..., None]:
    """Run a command and end with its exit code: the one it returns, or its error's.

    A :class:`RegtrackError` is printed as one line on stderr (after its
    traceback with ``--debug``) and ends the command with the error's own
    ``exit_code``; Ctrl-C ends it with 130.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        context = click.get_current_context()
        debug = debugging()
        try:
            code = command(*args, **kwargs)
        except RegtrackError as exc:
            code = _report_error(exc, debug)
        except KeyboardInterrupt as exc:
            code = _report_error(Interrupted("interrupted"), debug, cause=exc)
        context.exit(code or EXIT_OK)

    return wrapper


MAX_MAX_SIZE_MB = 1_000_000.0  # a terabyte: larger is a typo, and nan or inf no size


def finite(value: float, option: str) -> float:
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a size", param_hint=option)
    return value


def debugging() -> bool:
    """Whether ``--debug`` was given: tracebacks instead of one-line errors alone."""
    return bool(click.get_current_context().find_root().params.get("debug"))


def _report_error(error: RegtrackError, debug: bool, cause: BaseException | None = None) -> int:
    if debug:
        click.echo("".join(traceback.format_exception(cause or error)), err=True, nl=False)
    click.echo(terminal_safe(error_line(error)), err=True)
    return error.exit_code


def echo_lines(lines: Iterable[str], err: bool = False) -> None:
    for line in lines:
        click.echo(terminal_safe(line), err=err)


def echo_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2))


def open_store(db_path: str | None, read_only: bool = False, create: bool = True) -> Store:
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


def resolve_now(now: datetime | None) -> datetime:
    """``--now`` (naive dates are UTC), else the current time."""
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo else now.replace(tzinfo=UTC)


TREE_NAME = re.compile(r"mainline|next|stable(?:-\d+\.\d+)?")


def tree_name(_context: click.Context, _parameter: click.Parameter, tree: str | None) -> str | None:
    """A tree ``list`` can filter on: a misspelt one would list nothing and say nothing."""
    if tree is not None and not TREE_NAME.fullmatch(tree):
        raise click.BadParameter(f"{tree!r} is not a tree (mainline, next, stable, stable-6.1)")
    return tree


def tree_names(
    context: click.Context, parameter: click.Parameter, trees: tuple[str, ...]
) -> tuple[str, ...]:
    """Trees ``digest`` and ``report`` take (``--tree`` repeated), each checked."""
    return tuple(tree_name(context, parameter, tree) or tree for tree in trees)
