"""Threads: which messages belong together, and who replies to whom.

:func:`group_threads` decides the thread of each new message (the store
calls it inside its batch transaction and keeps the answer in
``thread_index``); :func:`reply_tree` arranges a thread's messages for
display, deciding who replies to whom among the messages present.  A message's
parent is its In-Reply-To when that message is present, else the nearest
present ancestor in its References.  Loops in broken References cannot
recurse forever: a message whose ancestry leads back to itself is a root.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TreeNode:
    msgid: str
    depth: int
    parent: str | None


def reply_tree(
    msgids: Sequence[str],
    in_reply_to: Mapping[str, str | None],
    references: Mapping[str, Sequence[str]],
) -> list[TreeNode]:
    """Depth-first order of ``msgids`` (given oldest first) as a reply tree."""
    present = set(msgids)
    parent: dict[str, str | None] = {}
    for msgid in msgids:
        candidates = [in_reply_to.get(msgid), *reversed(references.get(msgid, ()))]
        parent[msgid] = next((c for c in candidates if c in present and c != msgid), None)
    for msgid in msgids:  # break loops: walk up; if we come back, cut the link
        seen = {msgid}
        node = parent[msgid]
        while node is not None:
            if node in seen:
                parent[msgid] = None
                break
            seen.add(node)
            node = parent[node]
    children: dict[str | None, list[str]] = {}
    for msgid in msgids:
        children.setdefault(parent[msgid], []).append(msgid)
    ordered: list[TreeNode] = []
    stack = [(root, 0) for root in reversed(children.get(None, []))]
    while stack:
        msgid, depth = stack.pop()
        ordered.append(TreeNode(msgid, depth, parent[msgid]))
        stack.extend((child, depth + 1) for child in reversed(children.get(msgid, [])))
    return ordered


def missing_ancestors(msgids: Sequence[str], references: Mapping[str, Sequence[str]]) -> list[str]:
    """Ids the thread's messages reference that are not in the database."""
    present = set(msgids)
    missing: dict[str, None] = {}
    for msgid in msgids:
        for ref in references.get(msgid, ()):
            if ref not in present:
                missing[ref] = None
    return list(missing)


@dataclass(frozen=True, slots=True)
class ThreadGrouping:
    """Thread numbers for a batch's ids, and the older threads a batch joined.

    ``assigned`` maps every id of the batch (new messages and the ids they
    reference) to its thread; ``merged`` maps a thread number that must
    give way to the lower number it joins.
    """

    assigned: dict[str, int]
    merged: dict[int, int]


def group_threads(
    new: Sequence[tuple[str, Sequence[str]]],
    existing: Mapping[str, int],
    next_thread: int,
) -> ThreadGrouping:
    """Give new messages (``(msgid, references)``) and the ids they name a thread.

    Union-find over the batch's ids and the threads they already belong to
    (``existing``: id -> thread for the batch's ids already seen).  Messages
    sharing any id in their References/In-Reply-To chain share a thread,
    also when the common ancestor never reached the archive; where a new
    message links threads that were apart, they merge into the lowest
    number.  A component touching no known thread gets ``next_thread`` and
    upwards.
    """
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

    ids = list(dict.fromkeys(i for msgid, refs in new for i in (msgid, *refs)))
    for msgid, refs in new:
        for ref in refs:
            union(msgid, ref)
    for msgid, thread_id in existing.items():
        union(msgid, ("thread", thread_id))
    components: dict[object, list[str]] = {}
    for msgid in ids:
        components.setdefault(find(msgid), []).append(msgid)
    assigned: dict[str, int] = {}
    merged: dict[int, int] = {}
    for members in components.values():
        threads = sorted({existing[m] for m in members if m in existing})
        if threads:
            keep = threads[0]
            merged.update((old, keep) for old in threads[1:])
        else:
            keep, next_thread = next_thread, next_thread + 1
        assigned.update((msgid, keep) for msgid in members)
    return ThreadGrouping(assigned, merged)
