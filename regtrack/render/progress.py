"""The progress bar of long commands (``ingest``, ``extract``), on stderr."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def progress_bar(label: str, quiet: bool, console: Console | None = None) -> Progress:
    """A bar for long work: done/total and elapsed time.

    Shown only on a terminal and never with ``--json`` (``quiet``), so
    scripts and logs get no control characters.  It disappears when done.
    """
    console = console or Console(stderr=True)
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet or not console.is_terminal,
    )
