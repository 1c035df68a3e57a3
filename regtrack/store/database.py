"""The regtrack database file: one connection, batch writes, and reads.

:class:`Store` ties the tables' owners together: a batch of parsed messages
(:mod:`regtrack.store.messages`) and their facts
(:mod:`regtrack.store.facts`) is written in one transaction, so a run
killed at any point leaves a consistent database and a rerun completes the
job.  Opening creates or migrates the file (:mod:`regtrack.store.schema`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from regtrack.errors import StoreError
from regtrack.extract.facts import MessageFacts
from regtrack.gitscan import Commit, CommitBatch
from regtrack.mail import MailMessage
from regtrack.sources import SourceInfo
from regtrack.store import commits as commit_tables
from regtrack.store import facts as fact_tables
from regtrack.store import messages as mail_tables
from regtrack.store import regressions as regression_tables
from regtrack.store.commits import BranchKey, CommitLoad, GitCursor
from regtrack.store.facts import FactRows
from regtrack.store.messages import BatchCounts, Skip
from regtrack.store.regressions import Regression, Unhandled
from regtrack.store.schema import open_database
from regtrack.store.search import SearchHit, search_messages


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """A regtrack database file, opened (and created or migrated) on construction.

    ``read_only`` is for commands that only look: the file must exist, and
    it is opened read-only (see :func:`regtrack.store.schema.open_database`).
    """

    def __init__(self, path: Path | str, *, read_only: bool = False, create: bool = True) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.db = sqlite_utils.Database(
            open_database(self.path, read_only=read_only, create=create)
        )

    def reader(self) -> Store:
        """A second, read-only connection for reading while this one writes (WAL allows it)."""
        return Store(self.path, read_only=True)

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

    # -- writing -----------------------------------------------------------

    def known_copies(self, shas: Sequence[str]) -> set[str]:
        """Which of these content hashes were already stored (kept or variant)."""
        return mail_tables.known_copies(self.conn, shas)

    def source_cursor(self, key: str) -> str | None:
        return mail_tables.source_cursor(self.conn, key)

    def write_batch(
        self,
        source: SourceInfo,
        messages: Sequence[tuple[MailMessage, str]],
        skips: Sequence[Skip] = (),
        cursor: str | None = None,
        facts: FactRows | None = None,
    ) -> BatchCounts:
        """Store parsed messages, their facts, skips and the source's cursor at once.

        ``source`` names the source (its key, kind and label); ``messages`` pairs each parsed
        message with where it came from; ``facts`` hold the rows of those
        that were extracted (a message without facts is left for
        ``regtrack extract``).  Facts are stored for new messages only.
        """
        now = _now()
        try:
            with self.transaction() as conn:
                new, counts = mail_tables.write_messages(conn, source.key, messages, now)
                if facts is not None:
                    fact_tables.write_facts(conn, facts.only({msg.msgid for msg in new}))
                mail_tables.write_source(conn, source, skips, cursor, counts.new, now)
            return counts
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self.path}: writing a batch failed ({exc}); it was rolled back, "
                "everything stored before it is kept"
            ) from exc

    def replace_facts(self, facts: Sequence[tuple[str, MessageFacts]]) -> None:
        """Store facts extracted again, in place of the old ones, in one transaction."""
        with self.transaction() as conn:
            fact_tables.delete_facts(conn, [msgid for msgid, _ in facts])
            fact_tables.write_facts(conn, FactRows.of(facts))

    def git_cursor(self, key: BranchKey) -> GitCursor | None:
        """Where the last scan of a branch ended (None before its first scan)."""
        return commit_tables.cursor(self.conn, key)

    def write_commits(self, key: BranchKey, commits: Sequence[Commit], scan: int) -> int:
        """Store a batch of commits read from a branch, in one transaction; returns how many
        were new.  The branch's cursor moves only in :meth:`finish_git_scan`."""
        return self._write_commits(
            lambda conn: commit_tables.write_commits(conn, key, commits, scan)
        )

    def write_commit_batch(self, load: CommitLoad, batch: CommitBatch) -> int:
        """Store one batch of a scan (:func:`regtrack.gitscan.read_commit_batches`), in one
        transaction; returns how many commits were new.  ``load`` carries what the scan's
        batches share (see :class:`regtrack.store.commits.CommitLoad`)."""
        return self._write_commits(lambda conn: commit_tables.write_batch(conn, load, batch))

    def _write_commits(self, write: Callable[[sqlite3.Connection], int]) -> int:
        try:
            with self.transaction() as conn:
                return write(conn)
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self.path}: cannot write commits ({exc}); the batch was rolled back"
            ) from exc

    def finish_git_scan(
        self,
        key: BranchKey,
        head: str,
        scan: int,
        dropped: Iterable[str] = (),
        *,
        unseen_dropped: bool = False,
    ) -> int:
        """End a scan in one transaction: the look-up indexes a first scan left for its
        end are built, commits ``dropped`` (or, after a full rescan, every one this scan
        did not see) are marked as no longer on the branch, and its cursor moves to
        ``head``.  Returns how many commits left the branch."""
        try:
            with self.transaction() as conn:
                commit_tables.restore_indexes(conn)
                gone = commit_tables.mark_dropped(conn, key, dropped)
                if unseen_dropped:
                    gone += commit_tables.mark_unseen_dropped(conn, key, scan)
                commit_tables.write_cursor(conn, key, head, scan, _now())
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self.path}: cannot finish the scan ({exc}); the cursor did not move"
            ) from exc
        return gone

    # -- reading -----------------------------------------------------------

    def commit(self, sha: str) -> Commit | None:
        """A stored commit by its full id."""
        return commit_tables.commit(self.conn, sha)

    def commits_linking(self, msgid: str) -> list[Commit]:
        """Commits whose Link: or Closes: names the message-id."""
        return commit_tables.commits_linking(self.conn, msgid)

    def commits_fixing(self, sha: str) -> list[Commit]:
        """Commits whose Fixes: names commit ``sha`` (abbreviated or whole)."""
        return commit_tables.commits_referencing(self.conn, "fixes", sha)

    def commits_referencing(self, kind: str, sha: str) -> list[Commit]:
        """Commits whose ``upstream``/``reverts``/``fixes`` reference names commit ``sha``."""
        return commit_tables.commits_referencing(self.conn, kind, sha)

    def commits_with_prefix(self, prefix: str) -> list[Commit]:
        """Stored commits whose id starts with ``prefix``."""
        return commit_tables.commits_with_prefix(self.conn, prefix)

    def commits_by_subject(self, subject: str) -> list[Commit]:
        return commit_tables.commits_by_subject(self.conn, subject)

    def has_commits(self) -> bool:
        """Whether any commit is stored (a first scan of the database loads in bulk)."""
        return commit_tables.has_commits(self.conn)

    def commit_stats(self) -> dict[str, int]:
        """How many commits and references are stored, and how many branches scanned."""
        return commit_tables.counts(self.conn)

    def branches_of(self, sha: str) -> dict[BranchKey, bool]:
        """Each scanned branch that held the commit, and whether it still holds it."""
        return commit_tables.branch_state(self.conn, sha)

    def message(self, msgid: str) -> dict[str, Any] | None:
        return mail_tables.message(self.conn, msgid)

    def thread_messages(self, msgid: str) -> list[dict[str, Any]]:
        """Every stored message in the thread that ``msgid`` belongs to, by date."""
        return mail_tables.thread_messages(self.conn, msgid)

    def references_of(self, msgids: Sequence[str]) -> dict[str, list[str]]:
        """Each message's References chain, in header order."""
        return mail_tables.references_of(self.conn, msgids)

    def facts(self, msgid: str) -> MessageFacts | None:
        """The extracted facts of a message, or None when not extracted yet."""
        return fact_tables.read_facts(self.conn, msgid)

    def mainline_tags(self, msgids: Sequence[str]) -> dict[str, list[str]]:
        """The mainline tags each message names outside quoted text (v6.5, v6.6-rc1)."""
        return fact_tables.mainline_tags(self.conn, msgids)

    def facts_version(self, msgid: str) -> int | None:
        """Which extractors (:data:`FACTS_VERSION`) made a message's stored facts."""
        return fact_tables.facts_version(self.conn, msgid)

    def messages_needing_facts(
        self, limit: int, redo: bool = False, after: str | None = None
    ) -> list[tuple[str, str, str, bool]]:
        """(msgid, subject, body, answers another) of messages with no facts or facts of an
        older version."""
        return fact_tables.messages_needing_facts(self.conn, limit, redo, after)

    def search(
        self,
        query: str,
        limit: int = 20,
        *,
        fts: bool = False,
        reports_only: bool = False,
        sort: str = "rank",
    ) -> list[SearchHit]:
        """Full-text search over subjects and bodies; see :mod:`regtrack.store.search`."""
        return search_messages(
            self.conn, query, limit, fts=fts, reports_only=reports_only, sort=sort
        )

    def message_mark(self) -> int:
        """A mark of how far the messages table goes; see :meth:`messages_since`."""
        return mail_tables.last_rowid(self.conn)

    def messages_since(self, mark: int) -> list[str]:
        """Message-ids stored after :meth:`message_mark` gave ``mark``."""
        return mail_tables.msgids_after_rowid(self.conn, mark)

    # -- regressions ---------------------------------------------------------

    def regression(self, regression_id: str) -> Regression | None:
        return regression_tables.regression(self.conn, regression_id)

    def regression_ids_with_prefix(self, prefix: str) -> list[str]:
        return regression_tables.ids_with_prefix(self.conn, prefix)

    def regressions_of_messages(self, msgids: Iterable[str]) -> dict[str, set[str]]:
        return regression_tables.regressions_of_messages(self.conn, msgids)

    def regressions(
        self,
        *,
        statuses: Sequence[str] = (),
        tree: str | None = None,
        since: str | None = None,
        min_score: int | None = None,
    ) -> list[Regression]:
        """Regression records matching the filters, most recent activity first."""
        return regression_tables.select(
            self.conn, statuses=statuses, tree=tree, since=since, min_score=min_score
        )

    def regressions_active_since(self, since: str) -> list[Regression]:
        """Unresolved records, and those with a history event at or after ``since``."""
        return regression_tables.active_since(self.conn, since)

    def unhandled_commands(self, regression_id: str | None = None) -> list[Unhandled]:
        return regression_tables.unhandled(self.conn, regression_id)

    def regressions_with_culprit(self, commit: str) -> list[str]:
        return regression_tables.with_culprit(self.conn, commit)

    def regressions_with_signature(self, kind: str, signature: str) -> list[str]:
        return regression_tables.with_signature(self.conn, kind, signature)

    def tracking_cursor(self) -> int:
        """The row number of the newest message the regression records account for."""
        return regression_tables.tracking_cursor(self.conn)

    def regression_counts(self) -> dict[str, int]:
        return regression_tables.counts(self.conn)

    def stats(self) -> dict[str, int]:
        """Counts that say what the database holds."""
        return {
            **mail_tables.counts(self.conn),
            "without_facts": fact_tables.count_without_facts(self.conn),
        }
