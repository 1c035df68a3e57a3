"""Arrange a thread's messages as a reply tree for display.

Storage groups messages into threads (see :mod:`regtrack.store`); this
module decides who replies to whom among the messages present.  A message's
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
