"""The mail tables: messages, their copies, references, threads, sources, skips.

This module is the one writer of ``messages``, ``message_copies``,
``message_refs``, ``thread_index``, ``sources``, ``skipped`` and (through
triggers on ``messages``) ``messages_fts``.  It knows mail, not facts: it
imports nothing from :mod:`regtrack.extract`.

Identity is by content: a message's bytes hash to ``content_sha`` and every
copy ever seen is recorded in ``message_copies``, which makes a repeated
ingest skip known mail before parsing it.  The first copy of a Message-ID
is kept in ``messages``; later copies with other bytes are variants,
counted but not stored twice.  ``thread_index`` maps every message-id
seen, present or only referenced, to a thread number
(:func:`regtrack.threads.group_threads` decides which).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from regtrack.mail import MailMessage
from regtrack.sources import SourceInfo
from regtrack.threads import group_threads

_SQL_VARS = 900  # stay under SQLite's bound-parameter limit per statement


@dataclass(frozen=True, slots=True)
class Skip:
    """A record a source gave that could not be stored, and why."""

    origin: str
    reason: str
    raw_size: int


@dataclass(frozen=True, slots=True)
class BatchCounts:
    new: int
    variants: int
    known: int


_MESSAGE_COLUMNS = (
    "msgid",
    "subject_raw",
    "subject",
    "from_name",
    "from_addr",
    "date_utc",
    "in_reply_to",
    "list_id",
    "body",
    "has_patch",
    "raw_size",
    "content_sha",
    "flags",
    "source_key",
    "origin",
    "ingested_at",
)
_INSERT_MESSAGE = (
    f"INSERT INTO messages ({', '.join(_MESSAGE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_MESSAGE_COLUMNS))})"
)


def rows_in(
    conn: sqlite3.Connection, sql: str, values: Sequence[str | int]
) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sql``, whose ``{marks}`` is an IN list over ``values``, in chunks."""
    for start in range(0, len(values), _SQL_VARS):
        chunk = values[start : start + _SQL_VARS]
        yield from conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)


def dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


# -- writing (inside the caller's transaction) ------------------------------


def known_copies(conn: sqlite3.Connection, shas: Sequence[str]) -> set[str]:
    """Which of these content hashes were already stored (kept or variant)."""
    sql = "SELECT content_sha FROM message_copies WHERE content_sha IN ({marks})"
    return {row[0] for row in rows_in(conn, sql, shas)}


def write_messages(
    conn: sqlite3.Connection,
    source_key: str,
    messages: Sequence[tuple[MailMessage, str]],
    now: str,
) -> tuple[list[MailMessage], BatchCounts]:
    """Store the messages not seen before; returns those kept, and the counts.

    A copy whose bytes are known is skipped; a new copy of a Message-ID
    already stored is recorded as a variant; the rest are kept, with their
    references and thread.
    """
    known = known_copies(conn, [msg.content_sha for msg, _ in messages])
    present = _present_msgids(conn, [msg.msgid for msg, _ in messages])
    new: list[tuple[MailMessage, str]] = []
    copies = []
    for msg, origin in messages:
        if msg.content_sha in known:
            continue
        known.add(msg.content_sha)
        kept = msg.msgid not in present
        present.add(msg.msgid)
        copies.append((msg.content_sha, msg.msgid, int(kept), origin))
        if kept:
            new.append((msg, origin))
    conn.executemany(
        "INSERT INTO message_copies (content_sha, msgid, kept, origin) VALUES (?, ?, ?, ?)",
        copies,
    )
    conn.executemany(
        _INSERT_MESSAGE, [_message_row(msg, origin, source_key, now) for msg, origin in new]
    )
    conn.executemany(
        "INSERT INTO message_refs (msgid, position, ref_msgid) VALUES (?, ?, ?)",
        [
            (msg.msgid, position, ref)
            for msg, _ in new
            for position, ref in enumerate(msg.references)
        ],
    )
    kept_messages = [msg for msg, _ in new]
    _assign_threads(conn, kept_messages)
    counts = BatchCounts(
        new=len(new), variants=len(copies) - len(new), known=len(messages) - len(copies)
    )
    return kept_messages, counts


def write_source(
    conn: sqlite3.Connection,
    source: SourceInfo,
    skips: Sequence[Skip],
    cursor: str | None,
    new: int,
    now: str,
) -> None:
    """Record a batch's skips and move the source's cursor (kept when None)."""
    key, kind, label = source.key, source.kind, source.label
    conn.executemany(
        """INSERT OR REPLACE INTO skipped (origin, source_key, reason, raw_size, seen_at)
           VALUES (?, ?, ?, ?, ?)""",
        [(skip.origin, key, skip.reason, skip.raw_size, now) for skip in skips],
    )
    conn.execute(
        """INSERT INTO sources (key, kind, label, cursor, messages_new, last_ingested_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(key) DO UPDATE SET
             cursor = COALESCE(excluded.cursor, cursor),
             messages_new = messages_new + excluded.messages_new,
             last_ingested_at = excluded.last_ingested_at""",
        (key, kind, label, cursor, new, now),
    )


def _present_msgids(conn: sqlite3.Connection, msgids: Sequence[str]) -> set[str]:
    sql = "SELECT msgid FROM messages WHERE msgid IN ({marks})"
    return {row[0] for row in rows_in(conn, sql, list(dict.fromkeys(msgids)))}


def _assign_threads(conn: sqlite3.Connection, new: Sequence[MailMessage]) -> None:
    """Record the threads :func:`group_threads` gives the new messages."""
    if not new:
        return
    ids = list(dict.fromkeys(i for msg in new for i in (msg.msgid, *msg.references)))
    sql = "SELECT msgid, thread_id FROM thread_index WHERE msgid IN ({marks})"
    existing: dict[str, int] = dict(rows_in(conn, sql, ids))
    last = conn.execute("SELECT COALESCE(MAX(thread_id), 0) FROM thread_index").fetchone()[0]
    grouping = group_threads([(m.msgid, m.references) for m in new], existing, last + 1)
    conn.executemany(
        "UPDATE thread_index SET thread_id = ? WHERE thread_id = ?",
        [(keep, old) for old, keep in grouping.merged.items()],
    )
    conn.executemany(
        "INSERT OR REPLACE INTO thread_index (msgid, thread_id) VALUES (?, ?)",
        grouping.assigned.items(),
    )


def _message_row(msg: MailMessage, origin: str, source_key: str, now: str) -> tuple:
    return (
        msg.msgid,
        msg.subject_raw,
        msg.subject,
        msg.from_name,
        msg.from_addr,
        msg.date_utc.isoformat() if msg.date_utc else None,
        msg.in_reply_to,
        msg.list_id,
        msg.body,
        int(msg.has_patch),
        msg.raw_size,
        msg.content_sha,
        ",".join(msg.flags),
        source_key,
        origin,
        now,
    )


# -- reading -----------------------------------------------------------------


def source_cursor(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT cursor FROM sources WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def message(conn: sqlite3.Connection, msgid: str) -> dict[str, Any] | None:
    rows = dicts(conn.execute("SELECT * FROM messages WHERE msgid = ?", (msgid,)))
    return rows[0] if rows else None


def thread_messages(conn: sqlite3.Connection, msgid: str) -> list[dict[str, Any]]:
    """Every stored message in the thread that ``msgid`` belongs to, by date."""
    row = conn.execute("SELECT thread_id FROM thread_index WHERE msgid = ?", (msgid,)).fetchone()
    if row is None:
        return []
    return dicts(
        conn.execute(
            """SELECT m.msgid, m.subject, m.subject_raw, m.from_name, m.from_addr,
                      m.date_utc, m.in_reply_to, m.flags, m.has_patch, m.raw_size,
                      m.list_id, t.thread_id
               FROM thread_index t JOIN messages m USING (msgid)
               WHERE t.thread_id = ?
               ORDER BY m.date_utc IS NULL, m.date_utc, m.msgid""",
            [row[0]],
        )
    )


def references_of(conn: sqlite3.Connection, msgids: Sequence[str]) -> dict[str, list[str]]:
    """Each message's References chain, in header order."""
    refs: dict[str, list[str]] = {msgid: [] for msgid in msgids}
    sql = """SELECT msgid, ref_msgid FROM message_refs
             WHERE msgid IN ({marks}) ORDER BY msgid, position"""
    for msgid, ref in rows_in(conn, sql, list(msgids)):
        refs[msgid].append(ref)
    return refs


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """What the mail tables hold."""

    def scalar(sql: str) -> int:
        return int(conn.execute(sql).fetchone()[0])

    return {
        "messages": scalar("SELECT COUNT(*) FROM messages"),
        "threads": scalar(
            "SELECT COUNT(DISTINCT thread_id) FROM thread_index JOIN messages USING (msgid)"
        ),
        "variants": scalar("SELECT COUNT(*) FROM message_copies WHERE kept = 0"),
        "skipped": scalar("SELECT COUNT(*) FROM skipped"),
        "sources": scalar("SELECT COUNT(*) FROM sources"),
    }


def last_rowid(conn: sqlite3.Connection) -> int:
    """The newest message's row number: messages stored later have larger ones."""
    return int(conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM messages").fetchone()[0])


def msgids_after_rowid(conn: sqlite3.Connection, rowid: int) -> list[str]:
    """Messages stored after the one with row number ``rowid`` (a range of the rowid index)."""
    return [row[0] for row in conn.execute("SELECT msgid FROM messages WHERE rowid > ?", (rowid,))]
