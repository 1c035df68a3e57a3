"""What the database holds (``regtrack stats``), as aligned lines or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def stats_json(database: Path, stats: dict[str, int]) -> dict[str, Any]:
    return {"database": str(database), **stats}


def stats_lines(database: Path, stats: dict[str, int]) -> list[str]:
    """``database PATH``, then one ``name: count`` line per count, names right-aligned."""
    width = max(len(key) for key in stats)
    return [f"database {database}"] + [
        f"{key.replace('_', ' '):>{width}}: {value}" for key, value in stats.items()
    ]
