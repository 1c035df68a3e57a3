"""Regression tracking: records derived from stored mail and commits (see derive.py)."""

from regtrack.state.commands import regression_id
from regtrack.state.derive import REPORT_THRESHOLD, Derived, derive
from regtrack.state.update import (
    UpdateResult,
    affected_threads,
    update_all,
    update_for_messages,
    update_pending,
)

__all__ = [
    "REPORT_THRESHOLD",
    "Derived",
    "UpdateResult",
    "affected_threads",
    "derive",
    "regression_id",
    "update_all",
    "update_for_messages",
    "update_pending",
]
