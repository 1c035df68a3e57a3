"""Full-text search over stored subjects and bodies, for words people type.

Kernel people search for ``linux-next``, ``mm/mmu_notifier.c``,
``next-20230720`` or ``Don't``, each of which is a syntax error (or a
column name) in SQLite's FTS5 query language.  So plain input is text: each
whitespace-separated word becomes a quoted FTS5 phrase (the tokenizer then
matches its parts in order, as ``linux next``), and the words are ANDed.
FTS5's own syntax (``subject:``, ``OR``, ``NEAR``, prefixes) is there behind
``fts=True``.  Queries are bounded: FTS5's cost grows faster than the
number of terms (2,000 repeats of one word took minutes), so repeated
words count once, and more words or characters than the limits are an
error naming the limit.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from regtrack.errors import StoreError

MAX_QUERY_CHARS = 1000
MAX_QUERY_WORDS = 32
SORTS = ("rank", "date")
SNIPPET_MARK = "**"  # around each matched word in a snippet
SNIPPET_WORDS = 16
_TOKEN = re.compile(r"[^\W_]+")  # as FTS5's unicode61 tokenizer splits text


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A message that matched, and the stretch of its text that matched best."""

    msgid: str
    date_utc: str | None
    from_name: str
    from_addr: str
    subject: str
    snippet: str
    rank: float  # FTS5's bm25: lower is a better match
    # The tracked regression the message belongs to (its report's first, if several).
    regression: str | None = None


def text_query(text: str) -> str:
    """The FTS5 query that finds every word of ``text``, each as literal text.

    A word without a letter or digit (``-``, ``...``) has nothing to match
    and is left out.
    """
    _check_length(text)
    unique: dict[tuple[str, ...], str] = {}
    # FTS5 reads its query as a C string: a NUL would end it mid-phrase.
    for word in text.replace("\0", " ").split():
        # Words the tokenizer reads alike ("Don't", "don't,") are one term.
        tokens = tuple(_TOKEN.findall(word.casefold()))
        if tokens:
            unique.setdefault(tokens, word)
    if not unique:
        raise StoreError(f"search query {text!r} has no words to search for")
    _check_words(len(unique), "different words")
    return " AND ".join('"' + word.replace('"', '""') + '"' for word in unique.values())


def search_messages(
    conn: sqlite3.Connection,
    query: str,
    limit: int = 20,
    *,
    fts: bool = False,
    reports_only: bool = False,
    sort: str = "rank",
) -> list[SearchHit]:
    """Messages matching ``query`` (text, or FTS5 syntax with ``fts``).

    ``reports_only`` keeps messages whose extracted facts classify them as
    regression reports (messages without facts yet are left out);
    ``sort`` is ``rank`` (best match first) or ``date`` (newest first).
    """
    if sort not in SORTS:
        raise StoreError(f"unknown search order {sort!r}; use one of {', '.join(SORTS)}")
    if fts:
        _check_length(query)
        _check_words(len(query.split()), "words")
        match = query
    else:
        match = text_query(query)
    reports = (
        "JOIN message_classification c ON c.msgid = m.msgid AND c.is_report = 1"
        if reports_only
        else ""
    )
    order = "f.rank" if sort == "rank" else "m.date_utc IS NULL, m.date_utc DESC, f.rank"
    # The regression a hit belongs to, looked up per hit (by index): as the report or
    # another report first, then as any message of its thread.
    regression = """(SELECT r.regression_id FROM regression_messages r WHERE r.msgid = m.msgid
                     ORDER BY r.role NOT IN ('report', 'other-report'), r.regression_id
                     LIMIT 1)"""
    sql = f"""SELECT m.msgid, m.date_utc, m.from_name, m.from_addr, m.subject,
                     snippet(messages_fts, -1, ?, ?, '...', ?), f.rank, {regression}
              FROM messages_fts f JOIN messages m ON m.rowid = f.rowid {reports}
              WHERE messages_fts MATCH ? ORDER BY {order} LIMIT ?"""
    args = (SNIPPET_MARK, SNIPPET_MARK, SNIPPET_WORDS, match, limit)
    try:
        rows = conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError as exc:
        hint = "" if fts else " (this is a bug: plain queries should always work)"
        raise StoreError(f"bad search query {query!r}: {exc}{hint}") from exc
    return [
        SearchHit(msgid, date, name, addr, subject, " ".join(snippet.split()), rank, reg)
        for msgid, date, name, addr, subject, snippet, rank, reg in rows
    ]


def _check_words(count: int, what: str) -> None:
    if count > MAX_QUERY_WORDS:
        raise StoreError(f"search query has {count} {what}, over the limit of {MAX_QUERY_WORDS}")


def _check_length(query: str) -> None:
    if len(query) > MAX_QUERY_CHARS:
        raise StoreError(
            f"search query is {len(query)} characters long, over the limit of {MAX_QUERY_CHARS}"
        )
