"""The fact tables: extracted facts in, and out again as the extractors' records.

One table per kind of fact, keyed by message-id, so later stages can ask
SQL questions such as "which messages carry a Fixes: for this commit" or
"which reports share this crash signature".  Frames, tags and ranges are
JSON columns: they are read whole, never searched piecewise.  This module
is the one writer of those tables and of ``message_facts``, which says
which extractors (:data:`FACTS_VERSION`) made a message's facts; a message
without a row there has none yet.  Writes happen inside the store's
transactions (see :meth:`regtrack.store.Store.write_batch`), and reads give
back the :class:`MessageFacts` that extraction made.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from regtrack.errors import StoreError
from regtrack.extract.buildfail import BuildDiagnostic, BuildFailure
from regtrack.extract.classify import Classification, Signal
from regtrack.extract.culprits import Culprit, RevertTest
from regtrack.extract.facts import FACTS_VERSION, MessageFacts
from regtrack.extract.links import MessageRef
from regtrack.extract.patches import PatchInfo, SubjectPrefix
from regtrack.extract.quoting import Origin
from regtrack.extract.regzbot import RegzbotCommand
from regtrack.extract.stacktrace import CrashReport, Frame
from regtrack.extract.trailers import Trailer
from regtrack.extract.urls import WebLink
from regtrack.extract.versions import Tag, VersionRange, Versions
from regtrack.store.messages import rows_in

# Each fact table and its columns, in the order of the rows FactRows holds.
FACT_TABLES: dict[str, tuple[str, ...]] = {
    "trailers": (
        "msgid",
        "position",
        "key",
        "value",
        "origin",
        "line",
        "commit_id",
        "subject",
        "stable_versions",
    ),
    "message_links": ("msgid", "ref_msgid", "url", "origin", "line"),
    "crash_reports": (
        "msgid",
        "position",
        "kind",
        "title",
        "signature",
        "crash_function",
        "quoted",
        "first_line",
        "header",
        "hardware",
        "user_rip",
        "frames",
        "corrupted",
    ),
    "culprits": ("msgid", "commit_id", "subject", "kind", "sentence", "line"),
    "revert_tests": ("msgid", "line", "sentence"),
    "message_versions": ("msgid", "tags", "ranges", "trees", "named_trees", "report_tree"),
    "message_patches": (
        "msgid",
        "is_patch",
        "is_reply",
        "is_rfc",
        "is_resend",
        "is_pull_request",
        "version",
        "series_index",
        "series_total",
        "tree",
        "subsystem",
        "title",
        "files",
        "patch_id",
        "inline_fix",
        "blobs",
    ),
    "build_failures": ("msgid", "target", "reported", "failed", "signature", "diagnostics"),
    "message_classification": ("msgid", "is_report", "score", "kind", "signals"),
    "web_links": ("msgid", "url", "category", "line", "tree", "tag", "machine"),
    "regzbot_commands": (
        "msgid",
        "position",
        "name",
        "argument",
        "caret",
        "commit_id",
        "range_start",
        "range_end",
        "report",
        "url",
        "ref_msgid",
        "title",
        "problem",
        "line",
        "spelling",
    ),
}


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


def write_facts(conn: sqlite3.Connection, rows: FactRows) -> None:
    """Insert the facts of messages that have none yet (inside a transaction)."""
    for table, table_rows in rows.tables.items():
        if table_rows:
            columns = ", ".join(FACT_TABLES[table])
            marks = ",".join("?" * len(table_rows[0]))
            conn.executemany(
                f"INSERT OR REPLACE INTO {table} ({columns}) VALUES ({marks})", table_rows
            )
    conn.executemany(
        """INSERT OR REPLACE INTO message_facts (msgid, facts_version, for_regzbot)
           VALUES (?, ?, ?)""",
        [(msgid, FACTS_VERSION, int(flag)) for msgid, flag in rows.for_regzbot.items()],
    )


def delete_facts(conn: sqlite3.Connection, msgids: Sequence[str]) -> None:
    """Remove the facts of these messages, before extracting them again."""
    for table in (*FACT_TABLES, "message_facts"):
        conn.executemany(f"DELETE FROM {table} WHERE msgid = ?", [(m,) for m in msgids])


# Whether a message answers another: its In-Reply-To, or a References entry.
_ANSWERS = (
    "(m.in_reply_to IS NOT NULL OR EXISTS (SELECT 1 FROM message_refs r WHERE r.msgid = m.msgid))"
)


def messages_needing_facts(
    conn: sqlite3.Connection, limit: int, redo: bool = False, after: str | None = None
) -> list[tuple[str, str, str, bool]]:
    """(msgid, subject, body, answers another) of messages with no facts or facts of an
    older version.

    With ``redo`` every message qualifies, in msgid order after ``after``
    (so a caller can page through them while it rewrites their facts).
    """
    if redo:
        rows = conn.execute(
            f"SELECT m.msgid, m.subject, m.body, {_ANSWERS} FROM messages m WHERE m.msgid > ? "
            "ORDER BY m.msgid LIMIT ?",
            [after or "", limit],
        ).fetchall()
    else:
        rows = conn.execute(
            f"""SELECT m.msgid, m.subject, m.body, {_ANSWERS} FROM messages m {_STALE}
                ORDER BY m.msgid LIMIT ?""",
            [FACTS_VERSION, limit],
        ).fetchall()
    return [(msgid, subject, body, bool(answers)) for msgid, subject, body, answers in rows]


def count_without_facts(conn: sqlite3.Connection) -> int:
    """Messages with no facts, or facts older extractors made."""
    sql = f"SELECT COUNT(*) FROM messages m {_STALE}"
    return int(conn.execute(sql, [FACTS_VERSION]).fetchone()[0])


_STALE = """LEFT JOIN message_facts f USING (msgid)
            WHERE f.facts_version IS NULL OR f.facts_version < ?"""


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
                int(crash.corrupted),
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
            json.dumps([[tag.name, tag.tree, tag.origin.value] for tag in versions.tags]),
            json.dumps([[r.start, r.end, r.origin.value] for r in versions.ranges]),
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
            json.dumps([list(pair) for pair in patch.blobs] if patch else []),
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
                c.spelling,
            )
        )


def mainline_tags(conn: sqlite3.Connection, msgids: Sequence[str]) -> dict[str, list[str]]:
    """The mainline tags (``v6.5``, ``v6.6-rc1``) each message names outside quoted text,
    in the order found: what a digest reads to tell the cycle a report is about."""
    found: dict[str, list[str]] = {}
    sql = "SELECT msgid, tags FROM message_versions WHERE msgid IN ({marks})"
    for msgid, tags in rows_in(conn, sql, list(dict.fromkeys(msgids))):
        found[msgid] = [
            name for name, tree, origin in json.loads(tags)
            if tree == "mainline" and origin != Origin.QUOTED.value
        ]  # fmt: skip
    return found


def facts_version(conn: sqlite3.Connection, msgid: str) -> int | None:
    """Which extractors made the stored facts of a message (None: none yet)."""
    row = conn.execute("SELECT facts_version FROM message_facts WHERE msgid = ?", (msgid,))
    found = row.fetchone()
    return None if found is None else int(found[0])


def read_facts(conn: sqlite3.Connection, msgid: str) -> MessageFacts | None:
    """The stored facts of one message as extraction made them, or None if none yet."""
    status = conn.execute("SELECT for_regzbot FROM message_facts WHERE msgid = ?", (msgid,))
    found = status.fetchone()
    if found is None:
        return None

    def rows(table: str, order: str = "rowid") -> list[tuple]:
        columns = ", ".join(FACT_TABLES[table][1:])
        sql = f"SELECT {columns} FROM {table} WHERE msgid = ? ORDER BY {order}"
        return conn.execute(sql, (msgid,)).fetchall()

    versions, patches = rows("message_versions"), rows("message_patches")
    if not versions or not patches:  # every extraction writes one row of each
        raise StoreError(
            f"the stored facts of <{msgid}> are incomplete; run regtrack extract --all"
        )
    prefix, patch = _patch_facts(patches[0])
    return MessageFacts(
        trailers=tuple(_trailer(row) for row in rows("trailers", "position")),
        message_refs=tuple(
            MessageRef(ref, url, Origin(origin), line)
            for ref, url, origin, line in rows("message_links")
        ),
        crashes=tuple(_crash(row) for row in rows("crash_reports", "position")),
        culprits=tuple(Culprit(*row) for row in rows("culprits")),
        revert_tests=tuple(RevertTest(line=line, sentence=s) for line, s in rows("revert_tests")),
        versions=_versions(versions[0]),
        regzbot_commands=tuple(_command(row) for row in rows("regzbot_commands", "position")),
        for_regzbot=bool(found[0]),
        subject_prefix=prefix,
        patch=patch,
        build_failure=next((_build(row) for row in rows("build_failures")), None),
        web_links=tuple(WebLink(*row) for row in rows("web_links")),
        classification=next((_classification(row) for row in rows("message_classification")), None),
    )


def _trailer(row: tuple) -> Trailer:
    _, key, value, origin, line, commit, subject, stable_versions = row
    return Trailer(key, value, Origin(origin), line, commit, subject, stable_versions)


def _crash(row: tuple) -> CrashReport:
    (_, kind, title, signature, function, quoted, first_line, header, hardware, rip, frames,
     corrupted) = row  # fmt: skip
    return CrashReport(
        kind=kind,
        title=title,
        signature=signature,
        crash_function=function,
        frames=tuple(Frame(*frame) for frame in json.loads(frames)),
        quoted=bool(quoted),
        first_line=first_line,
        header=header,
        hardware=hardware,
        user_rip=rip,
        corrupted=bool(corrupted),
    )


def _versions(row: tuple) -> Versions:
    tags, ranges, trees, named_trees, report_tree = row
    return Versions(
        tags=tuple(Tag(name, tree, Origin(origin)) for name, tree, origin in json.loads(tags)),
        ranges=tuple(
            VersionRange(start, end, Origin(origin)) for start, end, origin in json.loads(ranges)
        ),
        trees=tuple(json.loads(trees)),
        named_trees=tuple(json.loads(named_trees)),
        report_tree=report_tree,
    )


def _patch_facts(row: tuple) -> tuple[SubjectPrefix, PatchInfo | None]:
    (is_patch, is_reply, is_rfc, is_resend, is_pull, version, index, total, tree, subsystem,
     title, files, patch_id, inline_fix, blobs) = row  # fmt: skip
    prefix = SubjectPrefix(
        bool(is_patch), bool(is_reply), bool(is_rfc), bool(is_resend), bool(is_pull),
        version, index, total, tree, subsystem, title,
    )  # fmt: skip
    # extract_patch gives None for a message without a diff of its own files.
    files = tuple(json.loads(files))
    pairs = tuple((str(name), str(blob)) for name, blob in json.loads(blobs))
    patch = PatchInfo(files, patch_id, bool(inline_fix), pairs) if files else None
    return prefix, patch


def _command(row: tuple) -> RegzbotCommand:
    _, name, argument, caret, *links, line, spelling = row
    commit, range_start, range_end, report, url, ref_msgid, title, problem = links
    return RegzbotCommand(
        name, argument, line, bool(caret), commit, range_start, range_end, report, url,
        ref_msgid, title, problem, spelling,
    )  # fmt: skip


def _build(row: tuple) -> BuildFailure:
    target, reported, _failed, signature, diagnostics = row
    found = tuple(BuildDiagnostic(*d) for d in json.loads(diagnostics))
    return BuildFailure(target, found, signature, reported)


def _classification(row: tuple) -> Classification:
    is_report, score, kind, signals = row
    found = tuple(Signal(reason, weight) for reason, weight in json.loads(signals))
    return Classification(bool(is_report), score, kind, found)


def facts_json(facts: MessageFacts, version: int) -> dict[str, Any]:
    """The JSON ``regtrack show --json`` prints for a message's facts.

    One list per fact table, each row with the table's columns (less the
    msgid) as the rows are stored, JSON columns decoded and flags as
    booleans: the shape scripts have read since the fact tables came.
    """
    rows = FactRows.of([("", facts)])
    found: dict[str, Any] = {"facts_version": version, "for_regzbot": facts.for_regzbot}
    for table, columns in FACT_TABLES.items():
        found[table] = [
            _decoded(table, dict(zip(columns[1:], row[1:], strict=True)))
            for row in rows.tables[table]
        ]
    return found


_FLAGS = {
    "crash_reports": ("quoted", "corrupted"),
    "message_patches": (
        "is_patch", "is_reply", "is_rfc", "is_resend", "is_pull_request", "inline_fix",
    ),
    "message_classification": ("is_report",),
    "build_failures": ("failed",),
}  # fmt: skip
_RECORDS = {  # JSON columns holding lists of records, and the records' keys
    ("crash_reports", "frames"): ("function", "offset", "size", "module", "reliable", "inline"),
    ("build_failures", "diagnostics"): ("kind", "severity", "file", "line", "symbol", "message"),
    ("message_classification", "signals"): ("reason", "weight"),
}
_JSON_COLUMNS = {
    "message_patches": ("files", "blobs"),
    "message_versions": ("tags", "ranges", "trees", "named_trees"),
}


def _decoded(table: str, row: dict[str, Any]) -> dict[str, Any]:
    for column in _FLAGS.get(table, ()):
        row[column] = bool(row[column])
    for column in _JSON_COLUMNS.get(table, ()):
        row[column] = json.loads(row[column])
    for (records_table, column), keys in _RECORDS.items():
        if records_table == table:
            row[column] = [dict(zip(keys, r, strict=True)) for r in json.loads(row[column])]
    if table == "message_versions":  # shown as [name, tree] and [start, end]
        row["tags"] = [tag[:2] for tag in row["tags"]]
        row["ranges"] = [r[:2] for r in row["ranges"]]
    return row
