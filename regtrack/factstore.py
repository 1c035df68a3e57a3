"""The tables that hold extracted facts: their schema, writes and reads.

One table per kind of fact, keyed by message-id, so later stages can ask
SQL questions such as "which messages carry a Fixes: for this commit" or
"which reports share this crash signature".  Frames, tags and ranges are
JSON columns: they are read whole, never searched piecewise.  Writes happen
inside the store's batch transaction (see :meth:`Store.write_batch`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from regtrack.extract.facts import FACTS_VERSION, MessageFacts

FACTS_MIGRATION = """
ALTER TABLE messages ADD COLUMN facts_version INTEGER;
ALTER TABLE messages ADD COLUMN for_regzbot INTEGER NOT NULL DEFAULT 0;
DROP TRIGGER messages_au;
CREATE TRIGGER messages_au AFTER UPDATE OF subject, body ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, body)
    VALUES ('delete', old.rowid, old.subject, old.body);
    INSERT INTO messages_fts(rowid, subject, body)
    VALUES (new.rowid, new.subject, new.body);
END;
CREATE TABLE trailers (
    msgid TEXT NOT NULL,
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    origin TEXT NOT NULL,
    line INTEGER NOT NULL,
    commit_id TEXT,
    subject TEXT,
    stable_versions TEXT,
    PRIMARY KEY (msgid, position)
);
CREATE INDEX trailers_key_commit ON trailers(key, commit_id);
CREATE TABLE message_links (
    msgid TEXT NOT NULL,
    ref_msgid TEXT NOT NULL,
    url TEXT NOT NULL,
    origin TEXT NOT NULL,
    line INTEGER NOT NULL,
    PRIMARY KEY (msgid, ref_msgid, origin)
);
CREATE INDEX message_links_ref ON message_links(ref_msgid);
CREATE TABLE crash_reports (
    msgid TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    signature TEXT NOT NULL,
    crash_function TEXT,
    quoted INTEGER NOT NULL,
    first_line INTEGER NOT NULL,
    header TEXT NOT NULL,
    hardware TEXT,
    user_rip TEXT,
    frames TEXT NOT NULL,
    PRIMARY KEY (msgid, position)
);
CREATE INDEX crash_reports_signature ON crash_reports(signature);
CREATE TABLE culprits (
    msgid TEXT NOT NULL,
    commit_id TEXT NOT NULL,
    subject TEXT,
    kind TEXT NOT NULL,
    sentence TEXT NOT NULL,
    line INTEGER NOT NULL,
    PRIMARY KEY (msgid, commit_id)
);
CREATE INDEX culprits_commit ON culprits(commit_id);
CREATE TABLE revert_tests (
    msgid TEXT NOT NULL,
    line INTEGER NOT NULL,
    sentence TEXT NOT NULL,
    PRIMARY KEY (msgid, line)
);
CREATE TABLE message_versions (
    msgid TEXT PRIMARY KEY,
    tags TEXT NOT NULL,
    ranges TEXT NOT NULL,
    trees TEXT NOT NULL,
    named_trees TEXT NOT NULL,
    report_tree TEXT
);
CREATE TABLE message_patches (
    msgid TEXT PRIMARY KEY,
    is_patch INTEGER NOT NULL,
    is_reply INTEGER NOT NULL,
    is_rfc INTEGER NOT NULL,
    is_resend INTEGER NOT NULL,
    is_pull_request INTEGER NOT NULL,
    version INTEGER NOT NULL,
    series_index INTEGER,
    series_total INTEGER,
    tree TEXT,
    subsystem TEXT,
    title TEXT NOT NULL,
    files TEXT NOT NULL,
    patch_id TEXT,
    inline_fix INTEGER NOT NULL
);
CREATE INDEX message_patches_patch_id ON message_patches(patch_id);
CREATE TABLE build_failures (
    msgid TEXT PRIMARY KEY,
    target TEXT,
    reported TEXT,
    failed INTEGER NOT NULL,
    signature TEXT NOT NULL,
    diagnostics TEXT NOT NULL
);
CREATE INDEX build_failures_signature ON build_failures(signature);
CREATE TABLE message_classification (
    msgid TEXT PRIMARY KEY,
    is_report INTEGER NOT NULL,
    score INTEGER NOT NULL,
    kind TEXT,
    signals TEXT NOT NULL
);
CREATE INDEX message_classification_report ON message_classification(is_report, kind);
CREATE TABLE web_links (
    msgid TEXT NOT NULL,
    url TEXT NOT NULL,
    category TEXT NOT NULL,
    line INTEGER NOT NULL,
    tree TEXT,
    tag TEXT,
    machine TEXT,
    PRIMARY KEY (msgid, url)
);
CREATE INDEX web_links_category ON web_links(category);
CREATE TABLE regzbot_commands (
    msgid TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    argument TEXT NOT NULL,
    caret INTEGER NOT NULL,
    commit_id TEXT,
    range_start TEXT,
    range_end TEXT,
    report TEXT,
    url TEXT,
    ref_msgid TEXT,
    title TEXT,
    problem TEXT,
    line INTEGER NOT NULL,
    PRIMARY KEY (msgid, position)
)
"""
FACT_TABLES = (
    "trailers",
    "message_links",
    "crash_reports",
    "culprits",
    "revert_tests",
    "message_versions",
    "message_patches",
    "build_failures",
    "message_classification",
    "web_links",
    "regzbot_commands",
)


class FactRows:
    """Facts of many messages as the rows their tables take, ready to insert.

    Ingest extracts in worker processes and stores in the main one.  Rows of
    plain tuples cross that boundary several times cheaper than the frozen
    fact records (whose unpickling costs the writer's process about 0.3 s
    for the 2023 corpus), and the work of flattening them is done in the
    workers.  Every row starts with the message-id it belongs to.
    """

    def __init__(self) -> None:
        self.tables: dict[str, list[tuple]] = {table: [] for table in FACT_TABLES}
        # msgid -> whether its subject carries #forregzbot; one entry per message added.
        self.for_regzbot: dict[str, bool] = {}

    def add(self, msgid: str, facts: MessageFacts) -> None:
        """Add one message's facts; a message-id added before keeps its first facts."""
        if msgid in self.for_regzbot:
            return
        self.for_regzbot[msgid] = facts.for_regzbot
        _collect(self.tables, msgid, facts)

    def only(self, msgids: set[str]) -> FactRows:
        """The rows of just these messages (ingest stores facts for new messages only)."""
        if msgids.issuperset(self.for_regzbot):
            return self
        kept = FactRows()
        kept.for_regzbot = {m: flag for m, flag in self.for_regzbot.items() if m in msgids}
        kept.tables = {
            table: [row for row in rows if row[0] in msgids] for table, rows in self.tables.items()
        }
        return kept

    @classmethod
    def of(cls, facts_by_msgid: Iterable[tuple[str, MessageFacts]]) -> FactRows:
        rows = cls()
        for msgid, facts in facts_by_msgid:
            rows.add(msgid, facts)
        return rows


def write_facts(conn: sqlite3.Connection, rows: FactRows, stamp: bool = True) -> None:
    """Insert the facts of messages that have none yet (inside a transaction).

    ``stamp`` records the facts version on the messages; ingest sets it in
    the message's own INSERT instead, sparing a rewrite of every new row.
    """
    for table, table_rows in rows.tables.items():
        if table_rows:
            marks = ",".join("?" * len(table_rows[0]))
            conn.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", table_rows)
    if stamp:
        conn.executemany(
            "UPDATE messages SET facts_version = ?, for_regzbot = ? WHERE msgid = ?",
            [(FACTS_VERSION, int(flag), msgid) for msgid, flag in rows.for_regzbot.items()],
        )


def delete_facts(conn: sqlite3.Connection, msgids: Sequence[str]) -> None:
    """Remove the facts of these messages, before extracting them again."""
    for table in FACT_TABLES:
        conn.executemany(f"DELETE FROM {table} WHERE msgid = ?", [(m,) for m in msgids])


def _collect(rows: dict[str, list[tuple]], msgid: str, facts: MessageFacts) -> None:
    for position, t in enumerate(facts.trailers):
        rows["trailers"].append(
            (
                msgid,
                position,
                t.key,
                t.value,
                t.origin.value,
                t.line,
                t.commit,
                t.subject,
                t.stable_versions,
            )
        )
    for ref in facts.message_refs:
        rows["message_links"].append((msgid, ref.msgid, ref.url, ref.origin.value, ref.line))
    for position, crash in enumerate(facts.crashes):
        frames = [
            [f.function, f.offset, f.size, f.module, f.reliable, f.inline] for f in crash.frames
        ]
        rows["crash_reports"].append(
            (
                msgid,
                position,
                crash.kind,
                crash.title,
                crash.signature,
                crash.crash_function,
                int(crash.quoted),
                crash.first_line,
                crash.header,
                crash.hardware,
                crash.user_rip,
                json.dumps(frames),
            )
        )
    for culprit in facts.culprits:
        rows["culprits"].append(
            (msgid, culprit.commit, culprit.subject, culprit.kind, culprit.sentence, culprit.line)
        )
    for revert in facts.revert_tests:
        rows["revert_tests"].append((msgid, revert.line, revert.sentence))
    versions = facts.versions
    rows["message_versions"].append(
        (
            msgid,
            json.dumps([[tag.name, tag.tree] for tag in versions.tags]),
            json.dumps([[r.start, r.end] for r in versions.ranges]),
            json.dumps(list(versions.trees)),
            json.dumps(list(versions.named_trees)),
            versions.report_tree,
        )
    )
    prefix, patch = facts.subject_prefix, facts.patch
    rows["message_patches"].append(
        (
            msgid,
            int(prefix.is_patch),
            int(prefix.is_reply),
            int(prefix.is_rfc),
            int(prefix.is_resend),
            int(prefix.is_pull_request),
            prefix.version,
            prefix.index,
            prefix.total,
            prefix.tree,
            prefix.subsystem,
            prefix.title,
            json.dumps(list(patch.files) if patch else []),
            patch.patch_id if patch else None,
            int(patch.inline_fix) if patch else 0,
        )
    )
    for link in facts.web_links:
        rows["web_links"].append(
            (msgid, link.url, link.category, link.line, link.tree, link.tag, link.machine)
        )
    if (verdict := facts.classification) is not None:
        signals = [[signal.reason, signal.weight] for signal in verdict.signals]
        rows["message_classification"].append(
            (msgid, int(verdict.is_report), verdict.score, verdict.kind, json.dumps(signals))
        )
    if (build := facts.build_failure) is not None:
        diagnostics = [
            [d.kind, d.severity, d.file, d.line, d.symbol, d.message] for d in build.diagnostics
        ]
        rows["build_failures"].append(
            (
                msgid,
                build.target,
                build.reported,
                int(build.failed),
                build.signature,
                json.dumps(diagnostics),
            )
        )
    for position, c in enumerate(facts.regzbot_commands):
        rows["regzbot_commands"].append(
            (
                msgid,
                position,
                c.name,
                c.argument,
                int(c.caret),
                c.commit,
                c.range_start,
                c.range_end,
                c.report,
                c.url,
                c.msgid,
                c.title,
                c.problem,
                c.line,
            )
        )


def _rows(conn: sqlite3.Connection, sql: str, args: Sequence[object]) -> list[dict]:
    cursor = conn.execute(sql, args)
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


_ORDER = {"trailers": "position", "crash_reports": "position", "regzbot_commands": "position"}


def read_facts(conn: sqlite3.Connection, msgid: str) -> dict[str, object] | None:
    """The stored facts of one message as plain data, or None if never extracted."""
    found = _rows(conn, "SELECT facts_version, for_regzbot FROM messages WHERE msgid = ?", [msgid])
    if not found or found[0]["facts_version"] is None:
        return None
    facts: dict[str, object] = {
        "facts_version": found[0]["facts_version"],
        "for_regzbot": bool(found[0]["for_regzbot"]),
    }
    for table in FACT_TABLES:
        order = _ORDER.get(table, "rowid")
        rows = _rows(conn, f"SELECT * FROM {table} WHERE msgid = ? ORDER BY {order}", [msgid])
        for row in rows:
            del row["msgid"]
        facts[table] = rows
    for crash in facts["crash_reports"]:  # type: ignore[union-attr]
        names = ("function", "offset", "size", "module", "reliable", "inline")
        crash["frames"] = [dict(zip(names, f, strict=True)) for f in json.loads(crash["frames"])]
        crash["quoted"] = bool(crash["quoted"])
    for patch in facts["message_patches"]:  # type: ignore[union-attr]
        patch["files"] = json.loads(patch["files"])
        for key in ("is_patch", "is_reply", "is_rfc", "is_resend", "is_pull_request", "inline_fix"):
            patch[key] = bool(patch[key])
    for verdict in facts["message_classification"]:  # type: ignore[union-attr]
        verdict["is_report"] = bool(verdict["is_report"])
        verdict["signals"] = [
            {"reason": reason, "weight": weight}
            for reason, weight in json.loads(verdict["signals"])
        ]
    for build in facts["build_failures"]:  # type: ignore[union-attr]
        names = ("kind", "severity", "file", "line", "symbol", "message")
        build["diagnostics"] = [
            dict(zip(names, d, strict=True)) for d in json.loads(build["diagnostics"])
        ]
        build["failed"] = bool(build["failed"])
    for versions in facts["message_versions"]:  # type: ignore[union-attr]
        for key in ("tags", "ranges", "trees", "named_trees"):
            versions[key] = json.loads(versions[key])
    return facts
