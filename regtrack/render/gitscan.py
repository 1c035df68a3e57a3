"""A ``scan-git`` run: one summary line per branch, or JSON."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from regtrack.gitsync import BranchScan
from regtrack.render.lines import count


def scan_json(scans: list[BranchScan], database: Path) -> dict[str, Any]:
    """What ``scan-git --json`` prints: each branch's scan, and the database."""
    return {"branches": [asdict(scan) for scan in scans], "database": str(database)}


def scan_line(scan: BranchScan, database: Path) -> str:
    """E.g. "120 commits read, 118 new, 2 no longer on next/master; database x.db"."""
    read = count(scan.read, "commit")
    where = f"{scan.tree}/{scan.branch}"
    how = {
        "first": "first scan",
        "incremental": f"since {scan.previous_head[:12] if scan.previous_head else ''}",
        "unchanged": "unchanged",
        "rewritten": f"history rewritten, read from the merge base {(scan.merge_base or '')[:12]}",
        "rescan": "old head gone, read whole again",
    }[scan.mode]
    return (
        f"{read} read, {scan.new} new, {scan.dropped} no longer on {where} "
        f"({how}, head {scan.head[:12]}); database {database}"
    )
