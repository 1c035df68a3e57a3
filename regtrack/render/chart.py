"""The weekly chart: new, fixed and open regressions per week, as an SVG drawn by matplotlib.

Drawn with matplotlib's object API (a ``Figure`` with its own SVG canvas,
never ``pyplot``), so no global figure state and no GUI backend is touched.
The SVG embeds its glyphs as paths (``svg.fonttype = "path"``, matplotlib's
bundled DejaVu Sans), so it needs no font and nothing from the network when
opened from ``file://``.  The same counts give the same bytes: the ids
matplotlib generates are salted with a fixed ``svg.hashsalt`` and the date
metadata is left out.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, cast

from regtrack.digest import WeekCount

# Fixed settings for every chart: whatever the user's matplotlibrc says, the same input
# gives the same SVG.
_STYLE: dict[str, Any] = {
    "svg.hashsalt": "regtrack-weekly-chart",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_COLOURS = {"new": "#d9534f", "fixed": "#5cb85c", "open": "#337ab7"}


def weekly_chart_svg(counts: Sequence[WeekCount]) -> str:
    """An SVG (text, starting ``<?xml``) of new and fixed regressions per week as bars,
    and the regressions open at each week's end as a line."""
    # Imported here: matplotlib takes most of a second to import, which every other
    # regtrack command (and the text digest) would pay for nothing.
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context(cast(Any, _STYLE)):  # its stubs want literal keys
        figure = Figure(figsize=(8, 3), dpi=96)
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        positions = list(range(len(counts)))
        width = 0.4
        axes.bar([p - width / 2 for p in positions], [c.new for c in counts], width,
                 label="new", color=_COLOURS["new"])  # fmt: skip
        axes.bar([p + width / 2 for p in positions], [c.fixed for c in counts], width,
                 label="fixed", color=_COLOURS["fixed"])  # fmt: skip
        axes.plot(positions, [c.open for c in counts], marker="o", markersize=3,
                  label="open at the week's end", color=_COLOURS["open"])  # fmt: skip
        axes.set_xticks(positions, [_tick(c.week, n, len(counts)) for n, c in enumerate(counts)])
        axes.tick_params(axis="x", labelrotation=45)
        axes.set_ylabel("regressions")
        axes.set_ylim(bottom=0)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.legend(loc="upper left", frameon=False, ncols=3)
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def _tick(week: str, index: int, total: int) -> str:
    """Every week's label for a short chart; for a long one every fourth, counted back from
    the last week (the latest is always labelled)."""
    if total <= 13 or (total - 1 - index) % 4 == 0:
        return week
    return ""
