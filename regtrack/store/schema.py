"""The database's schema: every migration, and opening a file safely.

Schema changes are migrations (:data:`MIGRATIONS`), applied in order and
counted in ``PRAGMA user_version``; ``PRAGMA application_id`` marks a file
as a regtrack database.  Each table has one owner that writes it:
:mod:`regtrack.store.messages` (messages, copies, references, threads,
sources, skips, the full-text index) and :mod:`regtrack.store.facts` (the
fact tables and ``message_facts``) and :mod:`regtrack.store.commits` (the
commits of git trees, migrations 4 and 5, whose text lives with its owner).
The migrations are listed together here so their order is one list.

Opening is safe against concurrent processes: two first ingests into one
new file, or ``regtrack stats`` beside one, must not both create the
tables.  The version is read again after ``BEGIN IMMEDIATE`` has taken
the write lock, and every missing migration runs in that one transaction,
so a second process finds the schema migrated and does nothing.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

from regtrack.errors import StoreError
from regtrack.store.commits import COMMITS_BY_ROW_SCHEMA, COMMITS_SCHEMA, LOOKUP_INDEXES
from regtrack.store.regressions import REGRESSIONS_SCHEMA

APPLICATION_ID = 0x52475452  # "RGTR": marks a file as a regtrack database
BUSY_TIMEOUT_MS = 30_000
_LOW_SPACE = 1 << 20  # bytes free below which an I/O error is taken for a full disk

# 1: messages, copies, references, threads, sources, skips, full-text index.
_MESSAGES = """
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
"""
# 2: the fact tables (regtrack 0.1's facts), and the facts version on messages.
_FACTS = """
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
# 3: the facts version moves to a table of the facts' own, so the messages
# table has one owner.  Facts stored before it are not carried over: their
# rows lack the origin of version tags and ranges, which the facts' own
# records carry now, so `regtrack extract` makes them again.
_FACTS_STATUS = """
CREATE TABLE message_facts (
    msgid TEXT PRIMARY KEY,
    facts_version INTEGER NOT NULL,
    for_regzbot INTEGER NOT NULL
);
CREATE INDEX message_facts_version ON message_facts(facts_version);
ALTER TABLE messages DROP COLUMN facts_version;
ALTER TABLE messages DROP COLUMN for_regzbot
"""
# 4: commits of kernel git trees, their references, branches and cursors.
# 5 (scan-git speed, issue 8): the commit tables remade with row numbers and
#   without message bodies, their rows carried over; its text lives with its
#   owner, regtrack.store.commits.
# 6: regression records (their text lives with their owner,
#   regtrack.store.regressions); the facts gain what tracking reads: a regzbot
#   command's spelling and the post-image blobs of a diff (facts version 3; older
#   facts keep the defaults until `regtrack extract` redoes them), and the
#   indexes tracking looks things up by (commit subjects in any case, in place of
#   the exact-case index: one of the commit tables' look-up indexes, which a first
#   scan drops and rebuilds).
_TRACKING = (
    """
ALTER TABLE regzbot_commands ADD COLUMN spelling TEXT NOT NULL DEFAULT '';
ALTER TABLE message_patches ADD COLUMN blobs TEXT NOT NULL DEFAULT '[]';
CREATE INDEX message_patches_title ON message_patches(title COLLATE NOCASE);
CREATE INDEX culprits_subject ON culprits(subject COLLATE NOCASE);
CREATE INDEX trailers_reporter ON trailers(lower(key), value);
CREATE INDEX messages_from ON messages(from_addr);
DROP INDEX IF EXISTS commits_subject;
"""
    + LOOKUP_INDEXES["commits_subject_nocase"]
    + ";\n"
    + REGRESSIONS_SCHEMA
)
# 7 (issue 11): a crash report says whether syzkaller would judge it corrupted (facts
#   version 6; older facts keep 0 until `regtrack extract` redoes them).
_CORRUPTED = """
ALTER TABLE crash_reports ADD COLUMN corrupted INTEGER NOT NULL DEFAULT 0
"""
MIGRATIONS: tuple[str, ...] = (
    _MESSAGES,
    _FACTS,
    _FACTS_STATUS,
    COMMITS_SCHEMA,
    COMMITS_BY_ROW_SCHEMA,
    _TRACKING,
    _CORRUPTED,
)
SCHEMA_VERSION = len(MIGRATIONS)


def open_database(
    path: Path, *, read_only: bool = False, create: bool = True
) -> sqlite3.Connection:
    """A connection to a regtrack database at the current schema.

    For writing, a missing file is created and an older schema migrated.
    ``read_only`` is for commands that only look: a missing file is an
    error (a mistyped ``--db`` must not leave an empty database behind),
    and the file is opened with ``mode=ro`` so a database on a read-only
    filesystem can still be read.  An older schema is migrated when the
    file can be written, and refused when it cannot.  ``create=False`` is for
    commands that rewrite what is stored (``extract``): they too refuse a
    missing file.
    """
    if str(path) == ":memory:":
        conn = _connect(str(path))
        _migrate(conn, path)
        return conn
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a database file")
    if read_only:
        return _open_for_reading(path)
    if not create and not path.exists():
        raise StoreError(f"no database at {path}; run regtrack ingest first")
    return _open_for_writing(path)


def _connect(target: str, uri: bool = False) -> sqlite3.Connection:
    # check_same_thread off: ingest hands the connection to its writer
    # thread, and only that thread uses it while ingest runs.
    conn = sqlite3.connect(
        target,
        isolation_level=None,
        timeout=BUSY_TIMEOUT_MS / 1000,
        check_same_thread=False,
        uri=uri,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _open_for_writing(path: Path) -> sqlite3.Connection:
    """Open (creating when missing) and migrate; a file this call created and
    could not finish is removed, so a full disk leaves no 0-byte database."""
    created = not path.exists()
    conn = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = _connect(str(path))
        _use_wal(conn)
        _migrate(conn, path)
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn
    except (sqlite3.DatabaseError, OSError) as exc:
        if conn is not None:
            conn.close()
        full = _is_disk_full(exc, path.parent)
        # Only for a full disk: another process may be creating the same file.
        if created and full:
            _remove_database_files(path)
        raise _opening_error(path, exc, created, full) from exc


def _opening_error(path: Path, exc: BaseException, created: bool, full: bool) -> StoreError:
    """The one line that says why a database could not be opened for writing."""
    if full:
        return StoreError(
            f"{path}: disk full while {'creating' if created else 'opening'} the database; "
            "free some space and run again" + (" (the new file was removed)" if created else "")
        )
    if path.exists() and not (_writable(path) and os.access(path.parent, os.W_OK)):
        return StoreError(
            f"{path}: the database is read-only ({exc}); show, search and stats can still read it"
        )
    if created and not os.access(path.parent, os.W_OK):
        return StoreError(f"{path}: cannot create the database: {path.parent} is not writable")
    if isinstance(exc, OSError):
        return StoreError(f"{path}: cannot create the database ({exc})")
    return _unusable(path, exc)


def _unusable(path: Path, exc: BaseException) -> StoreError:
    """Why an existing file is no database regtrack can use; a lock another process holds
    past the busy timeout is said as such (SQLite says "database is locked")."""
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        seconds = BUSY_TIMEOUT_MS / 1000
        return StoreError(
            f"{path}: the database is locked by another process (waited {seconds:g} s); "
            "run again when that process has finished"
        )
    return StoreError(f"{path}: not a usable SQLite database ({exc})")


def _open_for_reading(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise StoreError(f"no database at {path}; run regtrack ingest first")
    try:
        conn = _connect_read_only(path)
        version = _check(conn, path)
    except sqlite3.DatabaseError as exc:
        raise _unusable(path, exc) from exc
    if version == SCHEMA_VERSION:
        return conn
    conn.close()
    if version == 0:
        # An empty file, or one a first ingest is creating right now.
        raise StoreError(f"no database at {path} (the file is empty); run regtrack ingest first")
    if not _writable(path):
        raise StoreError(
            f"{path}: schema version {version} is older than this regtrack's "
            f"({SCHEMA_VERSION}) and the file cannot be written; upgrade it where it "
            "is writable (any regtrack command there does)"
        )
    return _open_for_writing(path)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """``mode=ro``; else, for a file that cannot be written, ``immutable=1``.

    A WAL database read with ``mode=ro`` needs its ``-shm`` file, which
    SQLite creates beside the database when missing; in a read-only
    directory it cannot, and opening fails.  Then, and only when the file
    itself cannot be written (so no regtrack can be changing it), the file
    is read as immutable: SQLite takes no locks and ignores any ``-wal``
    left over (regtrack checkpoints it away when it closes cleanly).
    """
    location = "file:" + quote(str(path.absolute()))
    conn = _connect(location + "?mode=ro", uri=True)
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
        if _writable(path):
            raise
    return _connect(location + "?immutable=1", uri=True)


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


def _check(conn: sqlite3.Connection, path: Path) -> int:
    """The file's schema version; refuse foreign and newer databases."""
    # One statement, one snapshot: read apart, a migration committed in
    # between would show tables but no version.
    version, app_id, tables = conn.execute(
        """SELECT (SELECT user_version FROM pragma_user_version),
                  (SELECT application_id FROM pragma_application_id),
                  (SELECT COUNT(*) FROM sqlite_master)"""
    ).fetchone()
    if version == 0 and tables:
        raise StoreError(f"{path}: has tables but is not a regtrack database")
    if version and app_id != APPLICATION_ID:
        raise StoreError(f"{path}: is not a regtrack database")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: schema version {version} is newer than this regtrack "
            f"understands ({SCHEMA_VERSION}); upgrade regtrack"
        )
    return int(version)


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the file to :data:`SCHEMA_VERSION`, once, whoever else is trying.

    The first read needs no lock (the usual case: nothing to do).  Else the
    write lock is taken and the version read again: a process that waited
    for another's migration finds it done.
    """
    if _check(conn, path) == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for number in range(_check(conn, path), SCHEMA_VERSION):
            for statement in statements(MIGRATIONS[number]):
                conn.execute(statement)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _use_wal(conn: sqlite3.Connection) -> None:
    """Put the file in WAL mode (once: the mode is kept in the file).

    Changing the mode needs the file to itself, and SQLite answers "locked"
    at once instead of waiting while another process reads it (two first
    ingests), so this waits here, as long as the busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        try:
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal":
                return
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF != sqlite3.SQLITE_BUSY:
                raise
        if time.monotonic() > deadline:
            raise sqlite3.OperationalError("database is locked (switching to WAL mode)")
        time.sleep(0.01)


def statements(script: str) -> list[str]:
    """Split a migration into statements (triggers end with ``END``)."""
    found, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        stripped = line.strip()
        in_trigger = current[0].lstrip().upper().startswith("CREATE TRIGGER")
        if (stripped.endswith(";") and not in_trigger) or stripped.rstrip(";") == "END":
            found.append("\n".join(current).strip().rstrip(";"))
            current = []
    if current:
        found.append("\n".join(current).strip().rstrip(";"))
    return [s for s in found if s]


def _is_disk_full(exc: BaseException, directory: Path) -> bool:
    """ENOSPC, SQLITE_FULL, or an I/O error where the filesystem has no room left.

    SQLite reports a write to its ``-shm`` or ``-wal`` file that found no
    space as a plain "disk I/O error"; the free space tells what it was.
    """
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOSPC
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return False
    if code & 0xFF == sqlite3.SQLITE_FULL:
        return True
    try:
        return (
            code & 0xFF == sqlite3.SQLITE_IOERR and shutil.disk_usage(directory).free < _LOW_SPACE
        )
    except OSError:
        return False


def _remove_database_files(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
