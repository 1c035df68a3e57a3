"""The period a digest covers: an ISO week, or two dates, in UTC.

ISO 8601 weeks start on Monday; week 1 is the one with the year's first
Thursday, so 2020 has a week 53 and 2023 does not (``date.fromisocalendar``
decides).  Times without a zone are UTC; times with one are converted, so
``2023-07-24T08:30+09:00`` is Sunday 23:30 UTC, in the week before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from regtrack.errors import UsageError

_WEEK = re.compile(r"(\d{4})-W(\d{2})")


@dataclass(frozen=True)
class Period:
    """[since, until) in UTC, and how it is named ("2023-W30", "2023-07-24..2023-07-31")."""

    since: datetime
    until: datetime
    label: str


def period_of(
    *,
    week: str | None = None,
    since: str | None = None,
    until: str | None = None,
    now: datetime,
) -> Period:
    """The period a digest covers: an ISO week (Monday 00:00 UTC to the next Monday), or
    ``since`` to ``until`` (dates or times; without a zone, UTC; ``until`` defaults to
    ``now``, ``since`` to a week before ``until``), or by default the last whole ISO week
    before ``now``.  A value that names no period is a :class:`UsageError`."""
    if week is not None and (since or until):
        raise UsageError("give --week or --since/--until, not both")
    if week is not None:
        return _iso_week(week)
    if since is None and until is None:
        monday = datetime.combine(utc(now).date(), datetime.min.time(), UTC)
        monday -= timedelta(days=monday.weekday() + 7)
        year, number, _ = monday.isocalendar()
        return Period(monday, monday + timedelta(days=7), f"{year}-W{number:02d}")
    end = _moment(until, "--until") if until else utc(now)
    start = _moment(since, "--since") if since else end - timedelta(days=7)
    if start >= end:
        raise UsageError(
            f"--since {start:%Y-%m-%d %H:%M} is not before --until {end:%Y-%m-%d %H:%M}"
        )
    return Period(start, end, f"{_short(start)}..{_short(end)}")


def _iso_week(week: str) -> Period:
    match = _WEEK.fullmatch(week.strip())
    if not match:
        raise UsageError(f"--week {week!r} is not an ISO week such as 2023-W30")
    year, number = int(match[1]), int(match[2])
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise UsageError(f"--week {week!r}: {year} has no ISO week {number}") from None
    start = datetime.combine(monday, datetime.min.time(), UTC)
    return Period(start, start + timedelta(days=7), f"{year}-W{number:02d}")


def moment_of(text: str, option: str = "--now") -> datetime:
    """A date or time the user typed (ISO 8601; without a zone, UTC) in UTC; a
    :class:`UsageError` naming ``option`` when it is none."""
    return _moment(text, option)


def _moment(text: str, option: str) -> datetime:
    try:
        return utc(datetime.fromisoformat(text.strip()))
    except ValueError:
        raise UsageError(
            f"{option} {text!r} is not a date (2023-07-24 or 2023-07-24T12:00)"
        ) from None


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _short(moment: datetime) -> str:
    return (
        f"{moment:%Y-%m-%d}" if moment.time() == datetime.min.time() else f"{moment:%Y-%m-%d %H:%M}"
    )
