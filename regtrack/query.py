"""Questions the commands ask of the database, answered as dataclasses.

The CLI parses options and hands these answers to ``regtrack.render``; it
assembles nothing itself.  A later HTML view or digest asks the same
functions, so what ``show`` means is decided once, here.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from regtrack.errors import NotStoredError
from regtrack.extract.facts import MessageFacts
from regtrack.msgid import msgid_from_reference
from regtrack.store import Store
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
    msgid = msgid_from_reference(reference)
    rows = store.thread_messages(msgid)
    if not rows:
        raise NotStoredError(f"{msgid!r} is not in {store.path}; run: regtrack ingest '{msgid}'")
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
