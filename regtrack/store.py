"""The SQLite database: messages, their copies, references, threads, sources.

Writes happen in one transaction per batch (:meth:`Store.write_batch`), so a
run killed at any point leaves a consistent database and a rerun completes
the job.  Identity is by content: a message's bytes hash to ``content_sha``
and every copy ever seen is recorded in ``message_copies``, which makes a
repeated ingest skip known mail before parsing it.  The first copy of a
Message-ID is kept in ``messages``; later copies with other bytes are
variants, counted but not stored twice.

Threads: ``thread_index`` maps every message-id seen, present or only
referenced, to a thread number.  Messages sharing any id in their
References/In-Reply-To chain share a thread, also when the common ancestor
never reached the archive.

Schema changes are migrations (:data:`MIGRATIONS`), applied in order and
counted in ``PRAGMA user_version``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from regtrack.errors import StoreError
from regtrack.extract.facts import FACTS_VERSION, MessageFacts
from regtrack.factstore import (
    FACTS_MIGRATION,
    FactRows,
    delete_facts,
    read_facts,
    write_facts,
)
from regtrack.mail import MailMessage

APPLICATION_ID = 0x52475452  # "RGTR": marks a file as a regtrack database
_SQL_VARS = 900  # stay under SQLite's bound-parameter limit per statement

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE messages (
        msgid TEXT PRIMARY KEY,
        subject_raw TEXT NOT NULL,
        subject TEXT NOT NULL,
        from_name TEXT NOT NULL,
        from_addr TEXT NOT NULL,
        date_utc TEXT,
        in_reply_to TEXT,
        list_id TEXT,
        body TEXT NOT NULL,
        has_patch INTEGER NOT NULL,
        raw_size INTEGER NOT NULL,
        content_sha TEXT NOT NULL,
        flags TEXT NOT NULL,
        source_key TEXT NOT NULL,
        origin TEXT NOT NULL,
        ingested_at TEXT NOT NULL
    );
    CREATE INDEX messages_date ON messages(date_utc);
    CREATE TABLE message_copies (
        content_sha TEXT PRIMARY KEY,
        msgid TEXT NOT NULL,
        kept INTEGER NOT NULL,
        origin TEXT NOT NULL
    );
    CREATE INDEX message_copies_msgid ON message_copies(msgid);
    CREATE TABLE message_refs (
        msgid TEXT NOT NULL,
        position INTEGER NOT NULL,
        ref_msgid TEXT NOT NULL,
        PRIMARY KEY (msgid, position)
    );
    CREATE INDEX message_refs_ref ON message_refs(ref_msgid);
    CREATE TABLE thread_index (
        msgid TEXT PRIMARY KEY,
        thread_id INTEGER NOT NULL
    );
    CREATE INDEX thread_index_thread ON thread_index(thread_id);
    CREATE TABLE sources (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        label TEXT NOT NULL,
        cursor TEXT,
        messages_new INTEGER NOT NULL DEFAULT 0,
        last_ingested_at TEXT NOT NULL
    );
    CREATE TABLE skipped (
        origin TEXT PRIMARY KEY,
        source_key TEXT NOT NULL,
        reason TEXT NOT NULL,
        raw_size INTEGER NOT NULL,
        seen_at TEXT NOT NULL
    );
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        subject, body, content=messages, content_rowid=rowid
    );
    CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, subject, body)
        VALUES (new.rowid, new.subject, new.body);
    END;
    CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, subject, body)
        VALUES ('delete', old.rowid, old.subject, old.body);
    END;
    CREATE TRIGGER messages_au AFTER UPDATE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, subject, body)
        VALUES ('delete', old.rowid, old.subject, old.body);
        INSERT INTO messages_fts(rowid, subject, body)
        VALUES (new.rowid, new.subject, new.body);
    END
    """,
    FACTS_MIGRATION,
)
SCHEMA_VERSION = len(MIGRATIONS)


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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _SQL_VARS):
        yield items[start : start + _SQL_VARS]


class Store:
    """A regtrack database file, opened (and created or migrated) on construction."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # check_same_thread off: ingest hands the connection to its writer
            # thread, and only that thread uses it while ingest runs.
            conn = sqlite3.connect(
                str(path), isolation_level=None, timeout=30.0, check_same_thread=False
            )
            self.db = sqlite_utils.Database(conn)
            self._check_and_migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not a usable SQLite database ({exc})") from exc

    def reader(self) -> Store:
        """A second connection for reading while this one writes (WAL allows it)."""
        return Store(self.path)

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: an exception (or a kill) leaves no partial batch."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"{self.path}: cannot write ({exc}); is another regtrack running?"
            ) from exc
        try:
            yield self.conn
        except BaseException:
            # Some errors (a full disk, SQLITE_FULL) make SQLite roll back by
            # itself; a second ROLLBACK would fail and hide the real cause.
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _check_and_migrate(self) -> None:
        pragma = self.conn.execute
        pragma("PRAGMA busy_timeout = 30000")
        version = pragma("PRAGMA user_version").fetchone()[0]
        app_id = pragma("PRAGMA application_id").fetchone()[0]
        if version == 0 and self.db.table_names():
            raise StoreError(f"{self.path}: has tables but is not a regtrack database")
        if version and app_id != APPLICATION_ID:
            raise StoreError(f"{self.path}: is not a regtrack database")
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this regtrack "
                f"understands ({SCHEMA_VERSION}); upgrade regtrack"
            )
        if str(self.path) != ":memory:":
            pragma("PRAGMA journal_mode = WAL")
        pragma("PRAGMA synchronous = NORMAL")
        for number in range(version, SCHEMA_VERSION):
            with self.transaction() as conn:
                for statement in _statements(MIGRATIONS[number]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {number + 1}")

    # -- writing -----------------------------------------------------------

    def _rows_in(self, sql: str, values: Sequence[str]) -> Iterator[tuple]:
        """Rows of ``sql``, whose ``{marks}`` is an IN list over ``values``, in chunks."""
        for chunk in _chunks(values):
            yield from self.conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)

    def known_copies(self, shas: Sequence[str]) -> set[str]:
        """Which of these content hashes were already stored (kept or variant)."""
        sql = "SELECT content_sha FROM message_copies WHERE content_sha IN ({marks})"
        return {row[0] for row in self._rows_in(sql, shas)}

    def source_cursor(self, key: str) -> str | None:
        row = self.conn.execute("SELECT cursor FROM sources WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def write_batch(
        self,
        source: tuple[str, str, str],
        messages: Sequence[tuple[MailMessage, str]],
        skips: Sequence[Skip] = (),
        cursor: str | None = None,
        facts: FactRows | None = None,
    ) -> BatchCounts:
        """Store parsed messages, their facts, skips and the source's cursor at once.

        ``source`` is (key, kind, label); ``messages`` pairs each parsed
        message with where it came from; ``facts`` hold the rows of those
        that were extracted (a message without facts is left for
        ``regtrack extract``).  Facts are stored for new messages only.
        """
        try:
            return self._write_batch(source, messages, skips, cursor, facts)
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self.path}: writing a batch failed ({exc}); it was rolled back, "
                "everything stored before it is kept"
            ) from exc

    def _write_batch(
        self,
        source: tuple[str, str, str],
        messages: Sequence[tuple[MailMessage, str]],
        skips: Sequence[Skip],
        cursor: str | None,
        facts: FactRows | None,
    ) -> BatchCounts:
        key, kind, label = source
        now = _now()
        with self.transaction() as conn:
            known = self.known_copies([msg.content_sha for msg, _ in messages])
            present = self._present_msgids([msg.msgid for msg, _ in messages])
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
            conn.executemany("INSERT INTO message_copies VALUES (?, ?, ?, ?)", copies)
            flags = facts.for_regzbot if facts is not None else {}
            conn.executemany(
                _INSERT_MESSAGE,
                [_message_row(msg, origin, key, now, flags.get(msg.msgid)) for msg, origin in new],
            )
            conn.executemany(
                "INSERT INTO message_refs VALUES (?, ?, ?)",
                [
                    (msg.msgid, position, ref)
                    for msg, _ in new
                    for position, ref in enumerate(msg.references)
                ],
            )
            self._assign_threads([msg for msg, _ in new])
            if facts is not None:
                write_facts(conn, facts.only({m.msgid for m, _ in new}), stamp=False)
            conn.executemany(
                "INSERT OR REPLACE INTO skipped VALUES (?, ?, ?, ?, ?)",
                [(skip.origin, key, skip.reason, skip.raw_size, now) for skip in skips],
            )
            conn.execute(
                """INSERT INTO sources (key, kind, label, cursor, messages_new, last_ingested_at)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT(key) DO UPDATE SET
                     cursor = COALESCE(excluded.cursor, cursor),
                     messages_new = messages_new + excluded.messages_new,
                     last_ingested_at = excluded.last_ingested_at""",
                (key, kind, label, cursor, len(new), now),
            )
        variants = len(copies) - len(new)
        return BatchCounts(new=len(new), variants=variants, known=len(messages) - len(copies))

    def _present_msgids(self, msgids: Sequence[str]) -> set[str]:
        sql = "SELECT msgid FROM messages WHERE msgid IN ({marks})"
        return {row[0] for row in self._rows_in(sql, list(dict.fromkeys(msgids)))}

    def _assign_threads(self, new: Sequence[MailMessage]) -> None:
        """Give new messages (and the ids they reference) a thread number.

        Union-find over the batch's ids and the threads they already belong
        to; where a new message links threads that were apart, they merge
        into the lowest number.
        """
        if not new:
            return
        ids = list(dict.fromkeys(i for msg in new for i in (msg.msgid, *msg.references)))
        sql = "SELECT msgid, thread_id FROM thread_index WHERE msgid IN ({marks})"
        existing: dict[str, int] = dict(self._rows_in(sql, ids))
        parent: dict[object, object] = {}

        def find(node: object) -> object:
            root = node
            while parent.get(root, root) != root:
                root = parent[root]
            while parent.get(node, node) != root:  # path compression
                parent[node], node = root, parent[node]
            return root

        def union(a: object, b: object) -> None:
            root_a, root_b = find(a), find(b)
            if root_a != root_b:
                parent[root_a] = root_b

        for msg in new:
            for ref in msg.references:
                union(msg.msgid, ref)
        for msgid, thread_id in existing.items():
            union(msgid, ("thread", thread_id))

        components: dict[object, list[str]] = {}
        for msgid in ids:
            components.setdefault(find(msgid), []).append(msgid)
        next_id = self.conn.execute("SELECT COALESCE(MAX(thread_id), 0) FROM thread_index")
        next_thread = next_id.fetchone()[0] + 1
        rows = []
        for members in components.values():
            threads = sorted({existing[m] for m in members if m in existing})
            if threads:
                keep = threads[0]
                if len(threads) > 1:
                    marks = ",".join("?" * (len(threads) - 1))
                    self.conn.execute(
                        f"UPDATE thread_index SET thread_id = ? WHERE thread_id IN ({marks})",
                        [keep, *threads[1:]],
                    )
            else:
                keep, next_thread = next_thread, next_thread + 1
            rows.extend((msgid, keep) for msgid in members)
        self.conn.executemany("INSERT OR REPLACE INTO thread_index VALUES (?, ?)", rows)

    # -- reading -----------------------------------------------------------

    def message(self, msgid: str) -> dict | None:
        rows = list(self.db["messages"].rows_where("msgid = ?", [msgid]))
        return rows[0] if rows else None

    def thread_messages(self, msgid: str) -> list[dict]:
        """Every stored message in the thread that ``msgid`` belongs to, by date."""
        row = self.conn.execute(
            "SELECT thread_id FROM thread_index WHERE msgid = ?", (msgid,)
        ).fetchone()
        if row is None:
            return []
        return list(
            self.db.query(
                """SELECT m.msgid, m.subject, m.subject_raw, m.from_name, m.from_addr,
                          m.date_utc, m.in_reply_to, m.flags, m.has_patch, m.raw_size,
                          m.list_id, t.thread_id
                   FROM thread_index t JOIN messages m USING (msgid)
                   WHERE t.thread_id = ?
                   ORDER BY m.date_utc IS NULL, m.date_utc, m.msgid""",
                [row[0]],
            )
        )

    def references_of(self, msgids: Sequence[str]) -> dict[str, list[str]]:
        """Each message's References chain, in header order."""
        refs: dict[str, list[str]] = {msgid: [] for msgid in msgids}
        sql = """SELECT msgid, ref_msgid FROM message_refs
                 WHERE msgid IN ({marks}) ORDER BY msgid, position"""
        for msgid, ref in self._rows_in(sql, list(msgids)):
            refs[msgid].append(ref)
        return refs

    def facts(self, msgid: str) -> dict[str, object] | None:
        """The extracted facts of a message, or None when not extracted yet."""
        return read_facts(self.conn, msgid)

    def messages_needing_facts(
        self, limit: int, redo: bool = False, after: str | None = None
    ) -> list[tuple[str, str, str]]:
        """(msgid, subject, body) of messages with no facts or facts of an older version.

        With ``redo`` every message qualifies, in msgid order after ``after``
        (so a caller can page through them while it rewrites their facts).
        """
        if redo:
            return self.conn.execute(
                "SELECT msgid, subject, body FROM messages WHERE msgid > ? ORDER BY msgid LIMIT ?",
                [after or "", limit],
            ).fetchall()
        return self.conn.execute(
            """SELECT msgid, subject, body FROM messages
               WHERE facts_version IS NULL OR facts_version < ? ORDER BY msgid LIMIT ?""",
            [FACTS_VERSION, limit],
        ).fetchall()

    def replace_facts(self, facts: Sequence[tuple[str, MessageFacts]]) -> None:
        """Store facts extracted again, in place of the old ones, in one transaction."""
        with self.transaction() as conn:
            delete_facts(conn, [msgid for msgid, _ in facts])
            write_facts(conn, FactRows.of(facts))

    def search(self, query: str, limit: int = 20) -> list[dict]:
        """Full-text search over subjects and bodies (SQLite FTS5 syntax)."""
        try:
            return list(
                self.db.query(
                    """SELECT m.msgid, m.subject, m.from_name, m.date_utc
                       FROM messages_fts f JOIN messages m ON m.rowid = f.rowid
                       WHERE messages_fts MATCH ? ORDER BY f.rank LIMIT ?""",
                    [query, limit],
                )
            )
        except sqlite3.OperationalError as exc:
            raise StoreError(f"bad search query {query!r}: {exc}") from exc

    def stats(self) -> dict[str, int]:
        """Counts that say what the database holds."""

        def scalar(sql: str) -> int:
            return int(self.conn.execute(sql).fetchone()[0])

        return {
            "messages": scalar("SELECT COUNT(*) FROM messages"),
            "threads": scalar(
                "SELECT COUNT(DISTINCT thread_id) FROM thread_index JOIN messages USING (msgid)"
            ),
            "variants": scalar("SELECT COUNT(*) FROM message_copies WHERE kept = 0"),
            "skipped": scalar("SELECT COUNT(*) FROM skipped"),
            "sources": scalar("SELECT COUNT(*) FROM sources"),
            "without_facts": scalar(
                f"SELECT COUNT(*) FROM messages WHERE facts_version IS NULL "
                f"OR facts_version < {FACTS_VERSION}"
            ),
        }


def _statements(script: str) -> list[str]:
    """Split a migration into statements (triggers end with ``END``)."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        stripped = line.strip()
        in_trigger = current[0].lstrip().upper().startswith("CREATE TRIGGER")
        if (stripped.endswith(";") and not in_trigger) or stripped.rstrip(";") == "END":
            statements.append("\n".join(current).strip().rstrip(";"))
            current = []
    if current:
        statements.append("\n".join(current).strip().rstrip(";"))
    return [s for s in statements if s]


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
    "facts_version",
    "for_regzbot",
)
# Columns named: later migrations add columns (facts_version, ...) to messages.
_INSERT_MESSAGE = (
    f"INSERT INTO messages ({', '.join(_MESSAGE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_MESSAGE_COLUMNS))})"
)


def _message_row(
    msg: MailMessage, origin: str, source_key: str, now: str, for_regzbot: bool | None
) -> tuple:
    """The messages row; ``for_regzbot`` is None for a message not extracted yet."""
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
        FACTS_VERSION if for_regzbot is not None else None,
        int(bool(for_regzbot)),
    )
