"""Questions the commands ask of the database, answered as dataclasses.

The CLI parses options and hands these answers to ``regtrack.render``; it
assembles nothing itself.  A later HTML view or digest asks the same
functions, so what ``show`` means is decided once, here.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import networkx as nx

from regtrack.errors import InvalidMessageIdError, NotStoredError
from regtrack.extract.facts import MessageFacts
from regtrack.link.graph import neighbourhood, node_id, series_root
from regtrack.msgid import msgid_from_reference, shorten
from regtrack.store import Store
from regtrack.store.regressions import Regression
from regtrack.threads import missing_ancestors, reply_tree


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    """One stored message of a thread, placed in its reply tree.

    The fields are the stored columns ``show --json`` has always printed,
    in that order, then the message's place in the tree.
    """

    msgid: str
    subject: str | None
    subject_raw: str | None
    from_name: str | None
    from_addr: str | None
    date_utc: str | None
    in_reply_to: str | None
    flags: str | None
    has_patch: int | None
    raw_size: int | None
    list_id: str | None
    thread_id: int | None
    depth: int
    parent: str | None


@dataclass(frozen=True, slots=True)
class ThreadView:
    """The thread of one message, as ``regtrack show`` presents it.

    ``messages`` are in reply-tree order (depth first, oldest reply first).
    ``asked`` is the message asked for, or None when the thread only
    references it (it was never archived); ``body`` and ``facts`` are its
    own, None when it is not stored or (for ``facts``) not extracted yet;
    ``facts_version`` says which extractors made them.
    """

    msgid: str
    messages: list[ThreadMessage]
    missing_references: list[str]
    asked: ThreadMessage | None
    body: str | None
    facts: MessageFacts | None
    facts_version: int | None

    @property
    def root(self) -> ThreadMessage:
        return self.messages[0]


def thread_view(store: Store, reference: str) -> ThreadView:
    """The stored thread of ``reference`` (a message-id in any written form, or a lore URL).

    Raises :class:`NotStoredError` when no stored message is in that thread.
    """
    msgid = msgid_from_reference(_without_node_kind(reference, "msg"))
    rows = store.thread_messages(msgid)
    if not rows:
        raise not_stored(store, msgid)
    by_id = {row["msgid"]: row for row in rows}
    ids = list(by_id)
    refs = store.references_of(ids)
    tree = reply_tree(ids, {m: by_id[m]["in_reply_to"] for m in ids}, refs)
    messages = [_thread_message(by_id[node.msgid], node.depth, node.parent) for node in tree]
    asked = next((m for m in messages if m.msgid == msgid), None)
    stored = store.message(msgid) if asked is not None else None
    return ThreadView(
        msgid=msgid,
        messages=messages,
        missing_references=missing_ancestors(ids, refs),
        asked=asked,
        body=stored["body"] if stored else None,
        facts=store.facts(msgid) if stored else None,
        facts_version=store.facts_version(msgid) if stored else None,
    )


def _thread_message(row: dict[str, Any], depth: int, parent: str | None) -> ThreadMessage:
    stored = {name: row[name] for name in _STORED_FIELDS}
    return ThreadMessage(**stored, depth=depth, parent=parent)


# The stored columns a ThreadMessage carries: all its fields but its place in the tree.
_STORED_FIELDS = tuple(f.name for f in fields(ThreadMessage) if f.name not in ("depth", "parent"))


_REGRESSION_ID = re.compile(r"[0-9a-f]{4,12}")
_COMMIT = re.compile(r"[0-9a-f]{8,40}")
UNRESOLVED = ("open", "fix-posted", "fix-queued")


def find_regression(store: Store, reference: str) -> Regression | None:
    """The regression ``reference`` names: its id (or a unique start of it, at least
    4 characters, as with git), or any message of its thread (a message-id or URL).

    None when the reference is a stored message that belongs to no
    regression; :class:`NotStoredError` when it names nothing stored, and
    when a short id fits several regressions.
    """
    reference = _without_node_kind(reference, "reg", "msg")
    if reference.startswith("commit:"):
        raise NotStoredError(
            f"{shorten(reference)!r} is a commit, not a regression or message "
            f"(regtrack graph {shorten(reference)} shows what it is tied to)"
        )
    if _REGRESSION_ID.fullmatch(reference):
        ids = store.regression_ids_with_prefix(reference)
        if len(ids) > 1:
            raise NotStoredError(
                f"{reference!r} is the start of several regression ids ({', '.join(ids)}); "
                "give more of it"
            )
        if ids:
            return store.regression(ids[0])
        if "@" not in reference:
            raise NotStoredError(
                f"no regression id starts with {reference!r} in {store.path} "
                "(regtrack list shows them)"
            )
    try:
        msgid = msgid_from_reference(reference)
    except InvalidMessageIdError:
        raise NotStoredError(
            f"{shorten(reference)!r} is neither a regression id nor a message-id"
        ) from None
    found = sorted(store.regressions_of_messages([msgid]).get(msgid, ()))
    records = [r for r in (store.regression(i) for i in found) if r is not None]
    for record in records:  # a message that is a report belongs to its own regression first
        if record.report == msgid or msgid in record.other_reports:
            return record
    if records:
        return records[0]
    if store.message(msgid) is None:
        raise not_stored(store, msgid)
    return None


def not_stored(store: Store, msgid: str) -> NotStoredError:
    """The error for a message-id the database lacks: ingest it, when it is one (a
    regression id's start too short to be one, "-", is no message to fetch)."""
    if "@" not in msgid:
        return NotStoredError(
            f"{shorten(msgid)!r} is neither a regression id nor a message-id in {store.path}"
        )
    return NotStoredError(
        f"{shorten(msgid)!r} is not in {store.path}; run: regtrack ingest '{shorten(msgid)}'"
    )


def _without_node_kind(reference: str, *kinds: str) -> str:
    """A reference as ``regtrack graph`` prints its nodes ("reg:<id>", "msg:<id>"), without
    that prefix: what the node names."""
    for kind in kinds:
        if reference.startswith(f"{kind}:"):
            return reference.removeprefix(f"{kind}:")
    return reference


def related_by_signature(store: Store, record: Regression) -> list[dict[str, str]]:
    """Other regressions whose reports show the same crash or build failure: shown as
    related, never merged (only ``#regzbot dup`` merges)."""
    found: dict[str, dict[str, str]] = {}
    for signature in record.signatures:
        for other_id in store.regressions_with_signature(signature["kind"], signature["signature"]):
            other = store.regression(other_id) if other_id != record.id else None
            if other is not None and other_id not in found:
                found[other_id] = {
                    "id": other_id, "title": other.title, "status": other.status,
                    "kind": signature["kind"], "signature": signature["signature"],
                }  # fmt: skip
    return list(found.values())


def with_stale_flag(record: Regression, now: datetime, stale_days: int) -> Regression:
    """The record with ``stale`` among its flags when it is unresolved and has seen no
    activity for ``stale_days`` days before ``now`` (staleness depends on the day you ask,
    so it is never stored)."""
    last = record.last_activity or record.reported_at
    if record.status not in UNRESOLVED or last is None:
        return record
    if datetime.fromisoformat(last) <= now - timedelta(days=stale_days):
        return dataclasses.replace(record, flags=(*record.flags, "stale"))
    return record


def regression_list(
    store: Store,
    *,
    statuses: Sequence[str] = (),
    tree: str | None = None,
    since: str | None = None,
    min_score: int | None = None,
    now: datetime,
    stale_days: int,
) -> list[Regression]:
    """The records ``regtrack list`` shows, most recent activity first."""
    records = store.regressions(statuses=statuses, tree=tree, since=since, min_score=min_score)
    return [with_stale_flag(record, now, stale_days) for record in records]


def _is_message(reference: str) -> bool:
    """Whether a reference names a message (a message-id in any written form, a lore URL),
    not a regression (its id, "reg:<id>")."""
    if reference.startswith("msg:"):
        return True
    if reference.startswith("reg:") or _REGRESSION_ID.fullmatch(reference):
        return False
    try:
        return "@" in msgid_from_reference(reference)
    except InvalidMessageIdError:
        return False


def graph_of(store: Store, reference: str, depth: int) -> tuple[str, nx.MultiDiGraph]:
    """The relation graph around ``reference`` (a regression id or a start of one, a
    message-id or lore URL, ``commit:<id>``, or ``series:<msgid>`` of a series' first
    message), out to ``depth`` edges: (start node, graph).
    A message is the graph's centre itself; its regression is one edge away."""
    if reference.startswith("commit:"):
        sha = reference.removeprefix("commit:").lower()
        if not _COMMIT.fullmatch(sha):
            raise NotStoredError(f"{reference!r}: a commit is named by 8 to 40 hex digits")
        found = store.commits_with_prefix(sha)
        if len(found) != 1:
            several = "several commits" if found else "no stored commit"
            raise NotStoredError(f"{sha!r} names {several} in {store.path}")
        start = node_id("commit", found[0].sha)
    elif reference.startswith("series:"):  # a patch series, by its first message
        msgid = msgid_from_reference(reference.removeprefix("series:"))
        if series_root(store.conn, msgid) != msgid:
            raise NotStoredError(f"{msgid!r} starts no patch series in {store.path}")
        start = node_id("series", msgid)
    elif _is_message(reference):  # the graph around it (its regression is an edge away)
        msgid = msgid_from_reference(_without_node_kind(reference, "msg"))
        if store.message(msgid) is None:
            raise not_stored(store, msgid)
        start = node_id("msg", msgid)
    else:
        record = find_regression(store, reference)
        if record is None:
            raise NotStoredError(f"{shorten(reference)!r} names no regression in {store.path}")
        start = node_id("reg", record.id)
    return start, neighbourhood(store, start, depth)
