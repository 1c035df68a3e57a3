"""Byte counts as people read them, for skip reasons and option defaults.

Units are decimal (1 KB = 1,000 bytes, 1 MB = 1,000,000 bytes), as
``--max-size MB`` counts them.  Skip reasons are stored in the database, so
this sits below ``ingest`` rather than in ``render``.
"""

from __future__ import annotations

_UNITS = (("KB", 1e3), ("MB", 1e6), ("GB", 1e9))


def format_size(nbytes: float) -> str:
    """``nbytes`` in the largest unit that keeps it at 1 or more: 812 bytes, 3.0 KB, 52.4 MB."""
    if nbytes < 1000:
        count = int(nbytes)
        return f"{count} byte" if count == 1 else f"{count} bytes"
    name, scale = next(((n, s) for n, s in _UNITS if round(nbytes / s, 1) < 1000), _UNITS[-1])
    return f"{nbytes / scale:.1f} {name}"


def format_sizes_apart(size: int, limit: int) -> tuple[str, str]:
    """``size`` and ``limit`` formatted so that they read differently when they differ.

    "2.0 KB, over the 2.0 KB limit" tells the user nothing; when rounding
    makes the two look equal, both are given in bytes.
    """
    shown = format_size(size), format_size(limit)
    if size != limit and shown[0] == shown[1]:
        return f"{size:,} bytes", f"{limit:,} bytes"
    return shown
