"""What regression tracking reads about mail, in bulk: one record per message.

Deriving the regressions of a thread needs a few facts of every message in
it (who wrote it when, what it replies to, whether it is a report, the
culprits and commands it names, the links and the diff it carries).  Read
one message at a time that is a dozen queries each; read here it is one
query per table for a whole set of threads (or for everything, when
``regtrack update`` derives every record), so deriving the 2023 corpus
takes well under a second of reading.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr

from regtrack.extract.classify import daily_tree_annotation
from regtrack.extract.culprits import FIXES_TAG
from regtrack.extract.patches import parse_subject, touched_file
from regtrack.extract.regzbot import RegzbotCommand
from regtrack.store.messages import rows_in


@dataclass(slots=True)
class TrackedMail:
    """The facts of one message that tracking uses (see module doc)."""

    msgid: str
    subject: str
    title: str
    author_name: str
    author_addr: str
    date: str | None
    parent: str | None
    thread_id: int
    references: tuple[str, ...] = ()
    is_patch: bool = False
    is_report: bool = False
    score: int = 0
    kind: str | None = None
    reasons: tuple[str, ...] = ()
    for_regzbot: bool = False
    # (commit, subject, how, sentence)
    culprits: tuple[tuple[str, str | None, str, str], ...] = ()
    revert_test: bool = False
    commands: tuple[RegzbotCommand, ...] = ()
    # (kind, msgid): kind "link" or "closes" for a trailer, "url" for any other own URL
    links: tuple[tuple[str, str], ...] = ()
    # Fixes: trailers of the author's own text: (commit, subject)
    fixes: tuple[tuple[str, str | None], ...] = ()
    # addresses of the author's own Reported-by: (and Reported-and-tested-by:) trailers
    reported_by: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    patch_id: str | None = None
    inline_fix: bool = False
    blobs: tuple[tuple[str, str], ...] = ()
    # (kind, signature, title) of the author's own crash reports and build failure
    signatures: tuple[tuple[str, str, str], ...] = ()
    # the files the author's own build errors and warnings and crash lines name (a fix is
    # likely to touch them)
    named_files: tuple[str, ...] = ()
    # the identifiers the author's own errors are about: a crash title's function, what a
    # compiler error quotes ("implicit declaration of function 'x'")
    symbols: tuple[str, ...] = ()
    report_tree: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    ranges: tuple[tuple[str, str], ...] = field(default=())

    @property
    def author(self) -> str:
        if self.author_name and self.author_addr:
            return f"{self.author_name} <{self.author_addr}>"
        return self.author_name or self.author_addr


def thread_ids_of(conn: sqlite3.Connection, msgids: Collection[str]) -> set[int]:
    """The threads these messages are in (a message not stored is in none)."""
    sql = "SELECT thread_id FROM thread_index WHERE msgid IN ({marks})"
    return {row[0] for row in rows_in(conn, sql, list(msgids))}


def load_mail(
    conn: sqlite3.Connection, thread_ids: Collection[int] | None = None
) -> dict[str, TrackedMail]:
    """Every message of these threads (of the whole database when None), with its facts."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS tracking_threads (id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM tracking_threads")
    if thread_ids is None:
        scope = ""
    else:
        conn.executemany(
            "INSERT OR IGNORE INTO tracking_threads (id) VALUES (?)", ((t,) for t in thread_ids)
        )
        scope = (
            "JOIN thread_index s ON s.msgid = x.msgid JOIN tracking_threads t ON t.id = s.thread_id"
        )
    mails: dict[str, TrackedMail] = {}
    rows = conn.execute(
        "SELECT x.msgid, x.subject, x.from_name, x.from_addr, x.date_utc, x.in_reply_to, "
        f"i.thread_id FROM messages x JOIN thread_index i ON i.msgid = x.msgid {scope}"
    )
    for msgid, subject, name, addr, date, parent, thread in rows:
        mails[msgid] = TrackedMail(msgid, subject, subject, name, addr, date, parent, thread)

    def each(sql: str) -> sqlite3.Cursor:
        return conn.execute(sql.replace("{scope}", scope))

    references: dict[str, list[str]] = {}
    for msgid, ref in each("SELECT x.msgid, x.ref_msgid FROM message_refs x {scope} "
                           "ORDER BY x.msgid, x.position"):  # fmt: skip
        references.setdefault(msgid, []).append(ref)
    for msgid, refs in references.items():
        mails[msgid].references = tuple(refs)
    _patches(mails, each)
    _classification(mails, each)
    _culprits_and_commands(mails, each)
    _links(mails, each)
    _signatures(mails, each)
    return mails


def _patches(mails: dict[str, TrackedMail], each) -> None:
    for msgid, is_patch, title, files, patch_id, inline_fix, blobs in each(
        "SELECT x.msgid, x.is_patch, x.title, x.files, x.patch_id, x.inline_fix, x.blobs "
        "FROM message_patches x {scope}"
    ):
        mail = mails[msgid]
        mail.is_patch, mail.title = bool(is_patch), title
        mail.files, mail.patch_id = tuple(json.loads(files)), patch_id
        mail.inline_fix = bool(inline_fix)
        mail.blobs = tuple((str(f), str(b)) for f, b in json.loads(blobs))
    for msgid, report_tree, tags, ranges in each(
        "SELECT x.msgid, x.report_tree, x.tags, x.ranges FROM message_versions x {scope}"
    ):
        mail = mails[msgid]
        mail.report_tree = report_tree
        mail.tags = tuple((t[0], t[1]) for t in json.loads(tags) if t[2] == "own")
        mail.ranges = tuple((r[0], r[1]) for r in json.loads(ranges) if r[2] == "own")
    for msgid, flag in each("SELECT x.msgid, x.for_regzbot FROM message_facts x {scope}"):
        mails[msgid].for_regzbot = bool(flag)


def _classification(mails: dict[str, TrackedMail], each) -> None:
    for msgid, is_report, score, kind, signals in each(
        "SELECT x.msgid, x.is_report, x.score, x.kind, x.signals "
        "FROM message_classification x {scope}"
    ):
        mail = mails[msgid]
        mail.is_report, mail.score, mail.kind = bool(is_report), score, kind
        mail.reasons = tuple(f"{reason} ({weight:+d})" for reason, weight in json.loads(signals))


def _culprits_and_commands(mails: dict[str, TrackedMail], each) -> None:
    culprits: dict[str, list[tuple[str, str | None, str, str]]] = {}
    for msgid, commit, subject, kind, sentence in each(
        # a patch's own Fixes: is read from the trailers, by tracking's own rules
        "SELECT x.msgid, x.commit_id, x.subject, x.kind, x.sentence FROM culprits x {scope} "
        f"WHERE x.kind != '{FIXES_TAG}' ORDER BY x.msgid, x.line"
    ):
        culprits.setdefault(msgid, []).append((commit, subject, kind, sentence))
    for msgid, found in culprits.items():
        mails[msgid].culprits = tuple(found)
    for (msgid,) in each("SELECT DISTINCT x.msgid FROM revert_tests x {scope}"):
        mails[msgid].revert_test = True
    commands: dict[str, list[RegzbotCommand]] = {}
    for row in each(
        "SELECT x.msgid, x.name, x.argument, x.line, x.caret, x.commit_id, x.range_start, "
        "x.range_end, x.report, x.url, x.ref_msgid, x.title, x.problem, x.spelling "
        "FROM regzbot_commands x {scope} ORDER BY x.msgid, x.position"
    ):
        msgid, name, argument, line, caret, *rest = row
        commands.setdefault(msgid, []).append(
            RegzbotCommand(name, argument, line, bool(caret), *rest)
        )
    for msgid, found_commands in commands.items():
        mails[msgid].commands = tuple(found_commands)


def _links(mails: dict[str, TrackedMail], each) -> None:
    trailer_lines: dict[tuple[str, int], str] = {}
    fixes: dict[str, list[tuple[str, str | None]]] = {}
    reporters: dict[str, list[str]] = {}
    for msgid, key, line, commit, subject, value in each(
        "SELECT x.msgid, lower(x.key), x.line, x.commit_id, x.subject, x.value "
        "FROM trailers x {scope} WHERE x.origin = 'own' AND lower(x.key) IN "
        "('link', 'closes', 'fixes', 'reported-by', 'reported-and-tested-by') "
        "ORDER BY x.msgid, x.position"
    ):
        if key.startswith("reported"):
            address = parseaddr(value)[1].lower()
            if address:
                reporters.setdefault(msgid, []).append(address)
        elif key == "fixes":
            if commit:
                fixes.setdefault(msgid, []).append((commit, subject))
        else:
            trailer_lines[(msgid, line)] = key
    for msgid, found in fixes.items():
        mails[msgid].fixes = tuple(found)
    for msgid, addresses in reporters.items():
        mails[msgid].reported_by = tuple(dict.fromkeys(addresses))
    links: dict[str, list[tuple[str, str]]] = {}
    for msgid, ref, line in each(
        "SELECT x.msgid, x.ref_msgid, x.line FROM message_links x {scope} "
        "WHERE x.origin = 'own' ORDER BY x.msgid, x.line"
    ):
        links.setdefault(msgid, []).append((trailer_lines.get((msgid, line), "url"), ref))
    for msgid, found_links in links.items():
        mails[msgid].links = tuple(found_links)


# How long after a report a patch that credits its reporter may be its fix.
REPORTED_BY_DAYS = 90
# How long after a report a diff elsewhere that changes what its errors name may be its fix.
SAME_SYMBOL_DAYS = 7
# A source file a crash's first line names ("WARNING: CPU: 0 PID: 1 at
# drivers/gpu/drm/drm_atomic.c:1604 ...", "kernel BUG at mm/usercopy.c:102!").
_SOURCE_FILE = re.compile(r"\b((?:[\w.+-]+/)+[\w.+-]+\.[chS])\b")


def _signatures(mails: dict[str, TrackedMail], each) -> None:
    found: dict[str, list[tuple[str, str, str]]] = {}
    symbols: dict[str, list[str]] = {}
    for msgid, signature, title in each(
        "SELECT x.msgid, x.signature, x.title FROM crash_reports x {scope} "
        "WHERE x.quoted = 0 ORDER BY x.msgid, x.position"
    ):
        found.setdefault(msgid, []).append(("crash", signature, title))
        symbols.setdefault(msgid, []).extend(_CRASH_FUNCTION.findall(title or ""))
    for msgid, signature, diagnostics in each(
        "SELECT x.msgid, x.signature, x.diagnostics FROM build_failures x {scope} "
        "WHERE x.failed = 1"
    ):
        listed = json.loads(diagnostics)
        first = listed[:1]
        title = first[0][5] if first and len(first[0]) > 5 else "build failure"
        found.setdefault(msgid, []).append(("build", signature, str(title)))
        symbols.setdefault(msgid, []).extend(_error_symbols(listed))
    for msgid, signatures in found.items():
        mails[msgid].signatures = tuple(dict.fromkeys(signatures))
    for msgid, names in symbols.items():
        mails[msgid].symbols = tuple(n for n in dict.fromkeys(names) if _specific_symbol(n))
    for msgid, files in _named_files(each(_NAMED_FILES)).items():
        mails[msgid].named_files = files


# The function a crash title ends in ("kernel BUG in do_vmi_align_munmap").
_CRASH_FUNCTION = re.compile(r" in ([A-Za-z_]\w*)$")
# An identifier a compiler error quotes, before any "did you mean" (a suggestion is code
# that exists, not what broke).
_QUOTED_IDENTIFIER = re.compile(r"'([A-Za-z_]\w*)'")


def _error_symbols(diagnostics: list[list[object]]) -> list[str]:
    """The identifiers the errors of a build failure quote."""
    found = []
    for d in diagnostics:
        if len(d) > 5 and d[1] == "error" and isinstance(d[5], str):
            found += _QUOTED_IDENTIFIER.findall(d[5].split("; did you mean", 1)[0])
    return found


def _specific_symbol(name: str) -> bool:
    """Whether an identifier says which code it is (``pagemap_scan_backout_range``), not
    what any code has (``flags``, ``dev``): an underscore, or eight characters."""
    return "_" in name.strip("_") or len(name) >= 8


# What names the files a report is about: the author's own crash headers, build
# diagnostics (errors and warnings, failed or not), and the subject of a reply to the
# daily announcement (Randy Dunlap's "Re: linux-next: Tree for May 15 (drivers/x.c)");
# of the messages in scope, and of a list of messages.
_NAMED_FILES = (
    "SELECT x.msgid, 'header', x.header FROM crash_reports x {scope} WHERE x.quoted = 0 "
    "UNION ALL SELECT x.msgid, 'diagnostics', x.diagnostics FROM build_failures x {scope} "
    "UNION ALL SELECT x.msgid, 'subject', x.subject FROM messages x {scope} "
    "WHERE x.subject LIKE '%Tree for%'"
)
_NAMED_FILES_OF = (
    "SELECT msgid, 'header', header FROM crash_reports WHERE quoted = 0 AND msgid IN ({marks})",
    "SELECT msgid, 'diagnostics', diagnostics FROM build_failures WHERE msgid IN ({marks})",
    "SELECT msgid, 'subject', subject FROM messages WHERE subject LIKE '%Tree for%' "
    "AND msgid IN ({marks})",
)
# A path in a diagnostic's text ("missing MODULE_LICENSE() in drivers/x/y.o",
# "arch/s390/purgatory/purgatory: in function") or in a subject's annotation.
_PATH = re.compile(r"(?<![\w/:.+-])((?:[\w.+-]+/)+[\w.+-]*)")


def _named_files_of(conn: sqlite3.Connection, msgids: list[str]) -> dict[str, tuple[str, ...]]:
    rows = [row for sql in _NAMED_FILES_OF for row in rows_in(conn, sql, msgids)]
    return _named_files(sorted(rows, key=lambda row: row[0]))


def _named_files(rows: Iterable[tuple[str, str, str | None]]) -> dict[str, tuple[str, ...]]:
    """The files each message names (see ``_NAMED_FILES``), from (msgid, what, text) rows."""
    named: dict[str, list[str]] = {}
    for msgid, what, text in rows:
        files = named.setdefault(msgid, [])
        if not text:
            continue
        if what == "header":
            files += _SOURCE_FILE.findall(text)
        elif what == "subject":
            files += _PATH.findall(daily_tree_annotation(text) or "")
        else:
            for d in json.loads(text):
                if len(d) < 6 or d[1] not in ("error", "warning"):
                    continue
                if isinstance(d[2], str) and "/" in d[2]:
                    files.append(d[2])
                elif isinstance(d[5], str):
                    files += _PATH.findall(d[5])
    return {msgid: tuple(dict.fromkeys(files)) for msgid, files in named.items() if files}


def days_after(date: str, days: int) -> str:
    """The ISO date ``days`` after ``date`` (an ISO date, as messages store it)."""
    return (datetime.fromisoformat(date) + timedelta(days=days)).isoformat()


def thread_count(conn: sqlite3.Connection) -> int:
    """How many threads the database holds."""
    return int(conn.execute("SELECT count(DISTINCT thread_id) FROM thread_index").fetchone()[0])


def thread_messages(conn: sqlite3.Connection, thread_ids: Collection[int]) -> set[str]:
    """Every stored message of these threads."""
    sql = "SELECT msgid FROM thread_index WHERE thread_id IN ({marks})"
    return {row[0] for row in rows_in(conn, sql, list(thread_ids))}


# Culprits that blame: not the Fixes: of a patch (each patch with one would relate to
# every other that fixes the same commit, and tracking reads Fixes: from the trailers).
_BLAMED = f"c.kind != '{FIXES_TAG}'"
# Each query takes a set of message-ids (the {marks} list) and gives messages whose
# records can depend on them: what they link and what links them, what their
# commands name, patches with the subject of a culprit they name, and the
# culprits a patch's subject names.  (Patches and the ``#regzbot fix:`` subjects
# they match: :func:`_fix_subject_matches`.)
_RELATED = (
    "SELECT ref_msgid FROM message_links WHERE origin = 'own' AND msgid IN ({marks})",
    "SELECT msgid FROM message_links WHERE origin = 'own' AND ref_msgid IN ({marks})",
    "SELECT ref_msgid FROM regzbot_commands WHERE ref_msgid IS NOT NULL AND msgid IN ({marks})",
    "SELECT p.msgid FROM culprits c JOIN message_patches p "
    "ON p.title = c.subject COLLATE NOCASE WHERE c.subject IS NOT NULL AND " + _BLAMED + " "
    "AND c.msgid IN ({marks})",
    "SELECT c.msgid FROM message_patches p JOIN culprits c "
    "ON c.subject = p.title COLLATE NOCASE WHERE p.is_patch = 1 AND " + _BLAMED + " "
    "AND p.msgid IN ({marks})",
    # syzbot's per-bug sender address, in a fix's Reported-by: (and back)
    "SELECT t.msgid FROM messages m JOIN trailers t ON lower(t.key) = 'reported-by' "
    "AND t.value = m.from_addr WHERE m.from_addr LIKE 'syzbot+%' AND m.msgid IN ({marks})",
    "SELECT m.msgid FROM trailers t JOIN messages m ON m.from_addr = t.value "
    "WHERE lower(t.key) = 'reported-by' AND t.value LIKE 'syzbot+%' AND t.msgid IN ({marks})",
    # a Fixes: naming a culprit named here (by prose or #regzbot introduced), and back
    "SELECT t.msgid FROM culprits c JOIN trailers t ON t.key IN ('Fixes', 'fixes') "
    "AND t.commit_id >= substr(c.commit_id, 1, 8) AND t.commit_id < substr(c.commit_id, 1, 8) "
    "|| 'g' WHERE " + _BLAMED + " AND c.msgid IN ({marks})",
    "SELECT t.msgid FROM regzbot_commands r JOIN trailers t ON t.key IN ('Fixes', 'fixes') "
    "AND t.commit_id >= substr(r.commit_id, 1, 8) AND t.commit_id < substr(r.commit_id, 1, 8) "
    "|| 'g' WHERE r.name = 'introduced' AND r.commit_id IS NOT NULL AND r.msgid IN ({marks})",
    "SELECT c.msgid FROM trailers t JOIN culprits c ON c.commit_id >= substr(t.commit_id, 1, 8) "
    "AND c.commit_id < substr(t.commit_id, 1, 8) || 'g' WHERE " + _BLAMED + " "
    "AND t.key IN ('Fixes', 'fixes') AND t.commit_id IS NOT NULL AND t.msgid IN ({marks})",
    "SELECT r.msgid FROM trailers t JOIN regzbot_commands r ON r.name = 'introduced' "
    "AND r.commit_id >= substr(t.commit_id, 1, 8) AND r.commit_id < substr(t.commit_id, 1, 8) "
    "|| 'g' WHERE t.key IN ('Fixes', 'fixes') AND t.commit_id IS NOT NULL AND t.msgid IN ({marks})",
)


def related_messages(conn: sqlite3.Connection, msgids: Collection[str]) -> set[str]:
    """Messages whose regression records can change when these messages change."""
    values = list(msgids)
    found = {row[0] for sql in _RELATED for row in rows_in(conn, sql, values)}
    found |= _fix_subject_matches(conn, values) | _credit_matches(conn, values)
    return found | _same_file_matches(conn, values)


_DIFFS_BETWEEN = (
    "SELECT p.msgid, p.files FROM message_patches p JOIN messages m ON m.msgid = p.msgid "
    "WHERE p.files != '[]' AND m.date_utc BETWEEN ? AND ?"
)
_DIAGNOSED_BETWEEN = (
    "SELECT m.msgid FROM messages m WHERE m.date_utc BETWEEN ? AND ? AND (EXISTS "
    "(SELECT 1 FROM crash_reports c WHERE c.msgid = m.msgid AND c.quoted = 0) OR EXISTS "
    "(SELECT 1 FROM build_failures b WHERE b.msgid = m.msgid))"
)


def _same_file_matches(conn: sqlite3.Connection, msgids: list[str]) -> set[str]:
    """What tracking's same-symbol rule (regtrack.state.fixes) may pair with messages
    among ``msgids``, both ways: the diffs of the :data:`SAME_SYMBOL_DAYS` after a
    message with diagnostics that change a file they name, and the messages with
    diagnostics of the days before a diff that name a file it changes (the rule's file
    and time tests; its identifier test is left to it)."""
    found: set[str] = set()
    dates = dict(rows_in(conn, "SELECT msgid, date_utc FROM messages WHERE msgid IN ({marks})",
                         msgids))  # fmt: skip
    for msgid, named in _named_files_of(conn, msgids).items():
        if date := dates.get(msgid):
            for other, files in conn.execute(
                _DIFFS_BETWEEN, (date, days_after(date, SAME_SYMBOL_DAYS))
            ):
                if set(named) & set(json.loads(files)):
                    found.add(other)
    sql = "SELECT msgid, files FROM message_patches WHERE files != '[]' AND msgid IN ({marks})"
    for msgid, files in rows_in(conn, sql, msgids):
        if date := dates.get(msgid):
            window = (days_after(date, -SAME_SYMBOL_DAYS), date)
            earlier = [row[0] for row in conn.execute(_DIAGNOSED_BETWEEN, window)]
            changed = set(json.loads(files))
            found |= {
                m for m, named in _named_files_of(conn, earlier).items() if changed & set(named)
            }
    return found


# The trailers that credit a reporter, as SQL lists them.
_CREDIT_KEYS = "('reported-by', 'reported-and-tested-by')"
_CREDITS = (
    "SELECT x.msgid, x.value, m.date_utc, p.files FROM trailers x "
    "JOIN messages m ON m.msgid = x.msgid JOIN message_patches p ON p.msgid = x.msgid "
    f"WHERE x.origin = 'own' AND lower(x.key) IN {_CREDIT_KEYS} "
    "AND p.is_patch = 1 AND x.msgid IN ({marks})"
)


def _credit_matches(conn: sqlite3.Connection, msgids: list[str]) -> set[str]:
    """The patches and the messages with diagnostics that tracking's Reported-by rule
    (regtrack.state.fixes) may pair with messages among ``msgids``, both ways: a patch
    crediting a person and the messages of theirs, in the :data:`REPORTED_BY_DAYS`
    before it, whose diagnostics name a file it changes; and back.  The same address
    and file tests as the rule, so no thread is read that it cannot use."""
    found: set[str] = set()
    for _patch, value, date, files in rows_in(conn, _CREDITS, msgids):
        address = parseaddr(value)[1].lower()
        if not address or not date:
            continue
        since = days_after(date, -REPORTED_BY_DAYS)
        candidates = [
            row[0]
            for row in conn.execute(
                "SELECT msgid FROM messages WHERE from_addr = ? AND date_utc BETWEEN ? AND ? "
                "UNION SELECT x.msgid FROM trailers x JOIN messages m ON m.msgid = x.msgid "
                f"WHERE lower(x.key) IN {_CREDIT_KEYS} "
                "AND x.origin = 'own' AND x.value LIKE ? AND m.date_utc BETWEEN ? AND ?",
                (address, since, date, f"%{address}%", since, date),
            )
        ]
        named = _named_files_of(conn, candidates)
        changed = json.loads(files)
        found |= {other for other, listed in named.items() if touched_file(listed, changed)}
    named = _named_files_of(conn, msgids)
    for msgid, date, addresses in _credited_by(conn, list(named)):
        until = days_after(date, REPORTED_BY_DAYS)
        for address in addresses:
            for patch, value, files in conn.execute(
                "SELECT x.msgid, x.value, p.files FROM trailers x "
                "JOIN messages m ON m.msgid = x.msgid JOIN message_patches p ON p.msgid = x.msgid "
                f"WHERE lower(x.key) IN {_CREDIT_KEYS} "
                "AND x.origin = 'own' AND p.is_patch = 1 AND x.value LIKE ? "
                "AND m.date_utc BETWEEN ? AND ?",
                (f"%{address}%", date, until),
            ):
                credited = parseaddr(value)[1].lower() == address
                if credited and touched_file(named[msgid], json.loads(files)):
                    found.add(patch)
    return found


def _credited_by(conn: sqlite3.Connection, msgids: list[str]) -> list[tuple[str, str, list[str]]]:
    """(msgid, date, addresses) of each message: its author, and whom its own
    Reported-by: trailers name (whom a report asks fixes to credit)."""
    found: dict[str, tuple[str, list[str]]] = {}
    sql = "SELECT msgid, date_utc, from_addr FROM messages WHERE msgid IN ({marks})"
    for msgid, date, author in rows_in(conn, sql, msgids):
        if date:
            found[msgid] = (date, [author.lower()] if author else [])
    sql = (
        "SELECT msgid, value FROM trailers WHERE origin = 'own' AND lower(key) IN "
        f"{_CREDIT_KEYS} AND msgid IN ({{marks}})"
    )
    for msgid, value in rows_in(conn, sql, list(found)):
        address = parseaddr(value)[1].lower()
        if address and address not in found[msgid][1]:
            found[msgid][1].append(address)
    return [(msgid, date, addresses) for msgid, (date, addresses) in found.items()]


def _fix_subject_matches(conn: sqlite3.Connection, msgids: list[str]) -> set[str]:
    """Patches whose subject a ``#regzbot fix:`` among ``msgids`` names, and the commands
    that name the subject of a patch among them, compared as tracking compares them (no
    ``Re:``, no ``[PATCH vN m/n]``, any case): the patch may come before or after the
    command, so each must find the other."""
    commands: dict[str, set[str]] = {}
    for msgid, title in conn.execute(
        "SELECT msgid, title FROM regzbot_commands "
        "WHERE name = 'fix' AND title IS NOT NULL AND commit_id IS NULL"
    ):
        commands.setdefault(_comparable(title), set()).add(msgid)
    if not commands:
        return set()
    wanted = set(msgids)
    found: set[str] = set()
    for title, senders in commands.items():
        if senders & wanted:
            rows = conn.execute(
                "SELECT msgid FROM message_patches WHERE title = ? COLLATE NOCASE", (title,)
            )
            found.update(row[0] for row in rows)
    sql = "SELECT title FROM message_patches WHERE is_patch = 1 AND msgid IN ({marks})"
    for (title,) in rows_in(conn, sql, msgids):
        found.update(commands.get(_comparable(title or ""), ()))
    return found


def _comparable(subject: str) -> str:
    """A subject as fix subjects are compared (``regtrack.state.fixes.normalised_title``)."""
    return " ".join(parse_subject(subject).title.split()).casefold()
