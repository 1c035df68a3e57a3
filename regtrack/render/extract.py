"""What ``regtrack extract`` did: a line, warnings, or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from regtrack.render.lines import count, warning_line


def extract_json(done: int, problems: list[str]) -> dict[str, Any]:
    return {"extracted": done, "problems": problems}


def extract_notes(problems: list[str]) -> list[str]:
    """A warning per message whose extraction failed, for stderr."""
    return [warning_line(problem) for problem in problems]


def extract_line(done: int, database: Path) -> str:
    return f"{count(done, 'message')} extracted; database {database}"
