"""The progress bar shows a rate and the time left, computed by rich from real updates."""

from __future__ import annotations

import io

from rich.console import Console
from rich.progress import TimeRemainingColumn

from regtrack.render.progress import RateColumn, progress_bar


def _console(clock: list[float], terminal: bool = True) -> Console:
    return Console(
        file=io.StringIO(), force_terminal=terminal, width=120, get_time=lambda: clock[0]
    )


def test_rate_and_time_remaining() -> None:
    clock = [0.0]
    bar = progress_bar("ingesting", quiet=False, console=_console(clock))
    rate = next(c for c in bar.columns if isinstance(c, RateColumn))
    remaining = next(c for c in bar.columns if isinstance(c, TimeRemainingColumn))
    with bar:
        task_id = bar.add_task("ingest", total=1000)
        task = bar.tasks[0]
        assert str(rate.render(task)) == "? msg/s"
        clock[0] = 1.0
        bar.advance(task_id, 100)
        clock[0] = 2.0
        bar.advance(task_id, 100)  # 100 messages in the last second
        assert str(rate.render(task)) == "100 msg/s"
        assert str(remaining.render(task)) == "0:00:08"  # 800 left at 100/s
        clock[0] = 12.0
        bar.advance(task_id, 50)
        assert str(rate.render(task)) == "14 msg/s"  # 150 in 11 s, shown whole


def test_slow_rates_keep_a_decimal() -> None:
    clock = [0.0]
    bar = progress_bar("extracting", quiet=False, console=_console(clock))
    rate = next(c for c in bar.columns if isinstance(c, RateColumn))
    with bar:
        task_id = bar.add_task("extract", total=None)
        clock[0] = 1.0
        bar.advance(task_id, 1)
        clock[0] = 5.0
        bar.advance(task_id, 2)
        assert str(rate.render(bar.tasks[0])) == "0.5 msg/s"


def test_no_bar_off_a_terminal_or_with_json() -> None:
    clock = [0.0]
    assert progress_bar("ingesting", quiet=False, console=_console(clock, terminal=False)).disable
    assert progress_bar("ingesting", quiet=True, console=_console(clock)).disable
