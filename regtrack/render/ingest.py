"""An ingest's summary: the one line on stdout, diagnostics on stderr, and JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from regtrack.ingest import IngestSummary
from regtrack.render.lines import PROG, count, error_line, warning_line

MAX_SKIP_LINES = 20


def ingest_json(summary: IngestSummary, database: Path, totals: dict[str, int]) -> dict[str, Any]:
    """What ``ingest --json`` prints; errors become their messages."""
    return {
        "sources": summary.sources,
        "read": summary.read,
        "new": summary.new,
        "known": summary.known,
        "variants": summary.variants,
        "skipped": dict(summary.skipped),
        "skip_details": summary.skip_details,
        "errors": [str(error) for error in summary.errors],
        "warnings": summary.warnings,
        "database": str(database),
        "totals": totals,
        "tracking": None
        if summary.tracking is None
        else {
            "regressions": summary.tracking.regressions,
            "threads": summary.tracking.threads,
            "messages": summary.tracking.messages,
            "seconds": round(summary.tracking.seconds, 4),
        },
    }


def ingest_notes(summary: IngestSummary, verbose: bool) -> list[str]:
    """Warnings and skipped records, for stderr; without ``verbose`` the first 20 skips."""
    lines = [warning_line(warning) for warning in summary.warnings]
    details = summary.skip_details
    shown = details if verbose else details[:MAX_SKIP_LINES]
    lines.extend(f"{PROG}: {detail}" for detail in shown)
    if len(shown) < len(details):
        more = count(len(details) - len(shown), "more skipped record")
        lines.append(f"{PROG}: ... {more}, see --verbose")
    return lines


def ingest_line(summary: IngestSummary, database: Path) -> str:
    """The one line that says what happened, e.g. "4 read: 4 new, ...; database x.db"."""
    skipped = sum(summary.skipped.values())
    reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(summary.skipped.items()))
    variants = count(summary.variants, "variant")
    return (
        f"{summary.read} read: {summary.new} new, {summary.known} already known, "
        f"{variants} of known Message-IDs, {skipped} skipped"
        + (f" ({reasons})" if reasons else "")
        + f"; database {database}"
    )


def ingest_errors(summary: IngestSummary) -> list[str]:
    """One line per error that ended a source early, for stderr after the summary."""
    return [error_line(error) for error in summary.errors]
