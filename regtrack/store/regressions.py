"""The regression tables: one record per tracked regression, its messages, history, and the
commands nobody could obey.

This module is the one writer of ``regressions``, ``regression_messages``,
``regression_events`` and ``regression_unhandled`` (created by
:data:`REGRESSIONS_SCHEMA`, part of migration 5 in
:mod:`regtrack.store.schema`).  The records are derived
(:mod:`regtrack.state`): nothing here is typed in by hand, so a record is
always replaced whole, with its messages and history, in the caller's
transaction, and deriving again from the same mail and commits writes the
same rows.

* ``regressions``: the columns that lists filter and sort on, and the whole
  record as JSON (``record``) for everything else a record says.
* ``regression_messages``: which messages belong to which regression, in
  which role (report, other-report, activity, monitored, fix), so that any
  message of a thread finds its regression by index.
* ``regression_events``: the history, each event with the mail or commit
  that caused it.
* ``regression_unhandled``: ``#regzbot`` commands that were not obeyed, with
  the reason (regzbot's "unhandled" page).
* ``tracking_cursor``: the row number of the newest message the records
  account for, moved in the transaction that writes them, so that messages
  stored by a run that was killed before it updated the records are found
  (and tracked) by the next one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from regtrack.extract.commits import same_object
from regtrack.store.messages import rows_in

REGRESSIONS_SCHEMA = """
CREATE TABLE regressions (
    id TEXT PRIMARY KEY,
    report_msgid TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    tree TEXT,
    reported_at TEXT,
    last_activity TEXT,
    score INTEGER NOT NULL,
    culprit TEXT,
    duplicate_of TEXT,
    record TEXT NOT NULL
);
CREATE INDEX regressions_status ON regressions(status, tree);
CREATE INDEX regressions_culprit ON regressions(culprit);
CREATE TABLE regression_messages (
    regression_id TEXT NOT NULL,
    msgid TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (regression_id, msgid, role)
) WITHOUT ROWID;
CREATE INDEX regression_messages_msgid ON regression_messages(msgid);
CREATE TABLE regression_events (
    regression_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    at TEXT,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    source TEXT NOT NULL,
    author TEXT,
    PRIMARY KEY (regression_id, position)
);
CREATE TABLE regression_unhandled (
    msgid TEXT NOT NULL,
    position INTEGER NOT NULL,
    regression_id TEXT,
    command TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT,
    PRIMARY KEY (msgid, position)
);
CREATE INDEX regression_unhandled_regression ON regression_unhandled(regression_id);
CREATE TABLE tracking_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    message_rowid INTEGER NOT NULL
)
"""

# The seven status values, in the order a regression usually moves through them.
STATUSES = ("open", "fix-posted", "fix-queued", "fixed", "resolved", "inconclusive", "duplicate")


@dataclass(frozen=True, slots=True)
class Event:
    """One step of a regression's history and what caused it.

    ``source_kind`` is ``mail`` (``source`` a message-id) or ``commit``
    (``source`` a commit id); ``at`` is the mail's date or the commit's
    committer date, ISO 8601 in UTC.
    """

    at: str | None
    kind: str
    text: str
    source_kind: str
    source: str
    author: str | None = None


@dataclass(frozen=True, slots=True)
class Unhandled:
    """A ``#regzbot`` command that was not obeyed, and why."""

    msgid: str
    position: int
    command: str
    reason: str
    at: str | None
    regression_id: str | None = None


@dataclass(frozen=True, slots=True)
class Regression:
    """A tracked regression as derived from mail and commits.

    The lists hold plain dicts (JSON-ready): ``culprit`` and each of
    ``culprit_candidates`` ``{commit, subject, range, named_by, msgid, at,
    how, confidence}``; ``fix_mails`` ``{msgid, subject, author, at, how,
    evidence}``; ``fix_commits`` ``{sha, subject, tree, branch, at, how,
    evidence, effect, reverted_by}``; ``signatures`` ``{kind, signature,
    title, msgid}``; ``links`` ``{url, msgid, title, kind, by}``;
    ``messages`` ``(msgid, role)`` pairs.
    """

    id: str
    report: str
    title: str
    status: str
    reporter: str
    reported_at: str | None
    score: int
    reasons: tuple[str, ...]
    created_by: str
    tree: str | None
    tree_source: str | None
    culprit: dict[str, Any] | None
    flags: tuple[str, ...]
    first_activity: str | None
    last_activity: str | None
    activities: int
    duplicate_of: str | None = None
    duplicates: tuple[str, ...] = ()
    other_reports: tuple[str, ...] = ()
    culprit_candidates: tuple[dict[str, Any], ...] = ()
    fix_mails: tuple[dict[str, Any], ...] = ()
    fix_commits: tuple[dict[str, Any], ...] = ()
    signatures: tuple[dict[str, Any], ...] = ()
    links: tuple[dict[str, Any], ...] = ()
    backburner: str | None = None
    resolution: str | None = None
    messages: tuple[tuple[str, str], ...] = ()
    events: tuple[Event, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The record as JSON-ready data (the ``--json`` form and the stored ``record``)."""
        # Not asdict(): its deep copy of every nested dict cost a sixth of tracking a
        # whole archive; the caller serialises or extends the top level only.
        data = {name: getattr(self, name) for name in _REGRESSION_FIELDS}
        data["events"] = tuple(
            {name: getattr(event, name) for name in _EVENT_FIELDS} for event in self.events
        )
        data["messages"] = [{"msgid": m, "role": r} for m, r in self.messages]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Regression:
        values = dict(data)
        values["messages"] = tuple((m["msgid"], m["role"]) for m in data["messages"])
        values["events"] = tuple(Event(**event) for event in data["events"])
        for name in (
            "reasons", "flags", "duplicates", "other_reports", "culprit_candidates",
            "fix_mails", "fix_commits", "signatures", "links",
        ):  # fmt: skip
            values[name] = tuple(data[name])
        return cls(**values)


_REGRESSION_FIELDS = tuple(f.name for f in fields(Regression))
_EVENT_FIELDS = tuple(f.name for f in fields(Event))


def replace_regressions(
    conn: sqlite3.Connection,
    reports: Iterable[str],
    regressions: Sequence[Regression],
    unhandled_msgids: Iterable[str],
    unhandled: Sequence[Unhandled],
) -> None:
    """Remove the records of ``reports`` (message-ids) and the unhandled commands of
    ``unhandled_msgids``, and write the new ones; the caller holds the transaction."""
    sql = "SELECT id FROM regressions WHERE report_msgid IN ({marks})"
    old = [row[0] for row in rows_in(conn, sql, list(dict.fromkeys(reports)))]
    old += [r.id for r in regressions]
    for table in ("regressions", "regression_messages", "regression_events"):
        column = "id" if table == "regressions" else "regression_id"
        conn.executemany(f"DELETE FROM {table} WHERE {column} = ?", ((i,) for i in old))
    conn.executemany(
        "DELETE FROM regression_unhandled WHERE msgid = ?", ((m,) for m in unhandled_msgids)
    )
    conn.executemany(
        "INSERT INTO regressions (id, report_msgid, title, status, tree, reported_at, "
        "last_activity, score, culprit, duplicate_of, record) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                r.id, r.report, r.title, r.status, r.tree, r.reported_at, r.last_activity,
                r.score, (r.culprit or {}).get("commit"), r.duplicate_of,
                json.dumps(r.to_json(), sort_keys=True),
            )
            for r in regressions
        ],
    )  # fmt: skip
    conn.executemany(
        "INSERT OR IGNORE INTO regression_messages (regression_id, msgid, role) VALUES (?, ?, ?)",
        [(r.id, msgid, role) for r in regressions for msgid, role in r.messages],
    )
    conn.executemany(
        "INSERT INTO regression_events (regression_id, position, at, kind, text, source_kind, "
        "source, author) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (r.id, n, e.at, e.kind, e.text, e.source_kind, e.source, e.author)
            for r in regressions
            for n, e in enumerate(r.events)
        ],
    )
    conn.executemany(
        "INSERT OR REPLACE INTO regression_unhandled (msgid, position, regression_id, "
        "command, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
        [(u.msgid, u.position, u.regression_id, u.command, u.reason, u.at) for u in unhandled],
    )


def tracking_cursor(conn: sqlite3.Connection) -> int:
    """The row number of the newest message the records account for (0: none)."""
    row = conn.execute("SELECT message_rowid FROM tracking_cursor WHERE id = 1").fetchone()
    return int(row[0]) if row else 0


def move_tracking_cursor(conn: sqlite3.Connection, rowid: int) -> None:
    """Records now account for every message up to row ``rowid`` (never moves back)."""
    conn.execute(
        "INSERT INTO tracking_cursor (id, message_rowid) VALUES (1, ?) ON CONFLICT (id) "
        "DO UPDATE SET message_rowid = max(message_rowid, excluded.message_rowid)",
        (rowid,),
    )


def clear(conn: sqlite3.Connection) -> None:
    """Remove every record (before deriving them all again)."""
    for table in (
        "regressions",
        "regression_messages",
        "regression_events",
        "regression_unhandled",
    ):
        conn.execute(f"DELETE FROM {table}")


def regression(conn: sqlite3.Connection, regression_id: str) -> Regression | None:
    row = conn.execute("SELECT record FROM regressions WHERE id = ?", (regression_id,)).fetchone()
    return Regression.from_json(json.loads(row[0])) if row else None


def ids_with_prefix(conn: sqlite3.Connection, prefix: str) -> list[str]:
    """Regression ids starting with ``prefix`` (a user may type a short one, as with git)."""
    rows = conn.execute(
        "SELECT id FROM regressions WHERE id >= ? AND id < ? ORDER BY id LIMIT 10",
        (prefix, prefix + "\uffff"),
    )
    return [row[0] for row in rows]


def regressions_of_messages(conn: sqlite3.Connection, msgids: Iterable[str]) -> dict[str, set[str]]:
    """For each of ``msgids`` that belongs to regressions: their ids."""
    found: dict[str, set[str]] = {}
    sql = "SELECT msgid, regression_id FROM regression_messages WHERE msgid IN ({marks})"
    for msgid, regression_id in rows_in(conn, sql, list(dict.fromkeys(msgids))):
        found.setdefault(msgid, set()).add(regression_id)
    return found


def messages_of(conn: sqlite3.Connection, regression_ids: Iterable[str]) -> set[str]:
    """Every message that belongs to these regressions."""
    sql = "SELECT msgid FROM regression_messages WHERE regression_id IN ({marks})"
    return {row[0] for row in rows_in(conn, sql, list(dict.fromkeys(regression_ids)))}


def report_msgids(conn: sqlite3.Connection, regression_ids: Iterable[str]) -> list[str]:
    sql = "SELECT report_msgid FROM regressions WHERE id IN ({marks})"
    return [row[0] for row in rows_in(conn, sql, list(dict.fromkeys(regression_ids)))]


def select(
    conn: sqlite3.Connection,
    *,
    statuses: Sequence[str] = (),
    tree: str | None = None,
    since: str | None = None,
    min_score: int | None = None,
) -> list[Regression]:
    """Records matching the filters, most recent activity first."""
    where: list[str] = ["1"]
    values: list[str | int] = []
    if statuses:
        where.append(f"status IN ({','.join('?' * len(statuses))})")
        values.extend(statuses)
    if tree is not None:
        where.append("(tree = ? OR tree LIKE ?)")
        values.extend([tree, tree + "-%"])
    if since is not None:
        where.append("COALESCE(last_activity, reported_at) >= ?")
        values.append(since)
    if min_score is not None:
        where.append("score >= ?")
        values.append(min_score)
    rows = conn.execute(
        f"SELECT record FROM regressions WHERE {' AND '.join(where)} "
        "ORDER BY COALESCE(last_activity, reported_at) DESC, id",
        values,
    )
    return [Regression.from_json(json.loads(row[0])) for row in rows]


def active_since(conn: sqlite3.Connection, since: str) -> list[Regression]:
    """Records that are unresolved, or have a history event at or after ``since``: every
    record whose status at ``since`` may differ from its status now (a status changes only
    by an event), for reports of a past period (:mod:`regtrack.digest`)."""
    rows = conn.execute(
        "SELECT record FROM regressions WHERE status IN ('open', 'fix-posted', 'fix-queued') "
        "OR id IN (SELECT regression_id FROM regression_events WHERE at >= ?) ORDER BY id",
        (since,),
    )
    return [Regression.from_json(json.loads(row[0])) for row in rows]


def unhandled(conn: sqlite3.Connection, regression_id: str | None = None) -> list[Unhandled]:
    sql = "SELECT msgid, position, command, reason, at, regression_id FROM regression_unhandled"
    if regression_id is None:
        rows = conn.execute(sql + " ORDER BY at, msgid, position")
    else:
        rows = conn.execute(
            sql + " WHERE regression_id = ? ORDER BY at, msgid, position", (regression_id,)
        )
    return [Unhandled(*row) for row in rows]


def with_signature(conn: sqlite3.Connection, kind: str, signature: str) -> list[str]:
    """Regressions one of whose reports has this crash (``kind`` crash) or build-failure
    (``build``) signature of its own."""
    table = "crash_reports" if kind == "crash" else "build_failures"
    extra = " AND x.quoted = 0" if kind == "crash" else " AND x.failed = 1"
    rows = conn.execute(
        f"SELECT DISTINCT m.regression_id FROM {table} x JOIN regression_messages m "
        "ON m.msgid = x.msgid AND m.role IN ('report', 'other-report') "
        f"WHERE x.signature = ?{extra} ORDER BY m.regression_id",
        (signature,),
    )
    return [row[0] for row in rows]


def with_culprit(conn: sqlite3.Connection, commit: str) -> list[str]:
    """Regressions whose culprit commit agrees with ``commit`` on the digits both give
    (at least 8)."""
    commit = commit.lower()
    if len(commit) < 8:
        return []
    rows = conn.execute(
        "SELECT id, culprit FROM regressions WHERE culprit >= ? AND culprit < ? ORDER BY id",
        (commit[:8], commit[:8] + "g"),
    )
    return [rid for rid, other in rows if same_object(other, commit)]


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """How many regressions have each status (every status listed), and unhandled commands."""
    found = dict.fromkeys(STATUSES, 0)
    for status, number in conn.execute("SELECT status, COUNT(*) FROM regressions GROUP BY status"):
        found[status] = number
    found["unhandled"] = conn.execute("SELECT COUNT(*) FROM regression_unhandled").fetchone()[0]
    return found
