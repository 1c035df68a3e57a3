"""The progress bar of long commands (``ingest``, ``extract``), on stderr."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Messages per second, as rich's ``TransferSpeedColumn`` shows bytes per second.

    The rate is rich's own estimate over the last 30 s of updates, so a
    slow start (worker processes starting) does not drag it down for good.
    """

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if speed is None:
            return Text("? msg/s", style="progress.data.speed")
        shown = f"{speed:.1f}" if speed < 10 else f"{speed:,.0f}"
        return Text(f"{shown} msg/s", style="progress.data.speed")


def progress_bar(label: str, quiet: bool, console: Console | None = None) -> Progress:
    """A bar for long work: done/total, rate, elapsed and remaining time.

    Shown only on a terminal and never with ``--json`` (``quiet``), so
    scripts and logs get no control characters.  It disappears when done.
    """
    console = console or Console(stderr=True)
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=quiet or not console.is_terminal,
    )
