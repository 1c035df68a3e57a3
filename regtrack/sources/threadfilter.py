"""Keep only the messages of a thread that are connected by replies.

public-inbox's ``t.mbox.gz`` returns more than the reply thread: it adds
messages that merely share the subject (a 3-message thread came back with
69 messages from a real archive; in the corpus an April report joined a
January thread).  b4 filters them out (``get_strict_thread``); this does
the same, so ``--via http`` and ``--via b4`` store the same messages.

Two messages are connected when one names the other in In-Reply-To or
References, or both name the same id, even an id the archive does not
hold (a "ghost": the reporter's private mail, a message never archived).
The thread is the connected component holding the requested id.
"""

from __future__ import annotations

import email.parser
import email.policy
from collections.abc import Iterable

from regtrack.msgid import normalise_msgid, parse_msgid_list
from regtrack.sources import RawMail

_HEADERS = email.parser.BytesHeaderParser(policy=email.policy.compat32)


def connected_to(mails: Iterable[RawMail], msgid: str) -> list[RawMail]:
    """The mails joined to ``msgid`` by In-Reply-To/References, in their order."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]  # path halving keeps chains short
            node = parent[node]
        return node

    def join(a: str, b: str) -> None:
        parent[root(a)] = root(b)

    kept = []
    for mail in mails:
        own, refs = header_ids(mail.data)
        if not own:
            continue  # no Message-ID: nothing can connect it
        root(own)
        for ref in refs:
            if ref != own:  # some tools reference their own id; that links nothing
                join(ref, own)
        kept.append((own, mail))
    if msgid not in parent:
        return []
    wanted = root(msgid)
    return [mail for own, mail in kept if root(own) == wanted]


def header_ids(data: bytes) -> tuple[str, list[str]]:
    """A message's own id and the ids it refers to, from its header alone."""
    end = data.find(b"\n\n")
    headers = _HEADERS.parsebytes(data if end < 0 else data[: end + 1])
    own = normalise_msgid(str(headers.get("Message-ID", "")))
    refs: list[str] = []
    for name in ("In-Reply-To", "References"):
        for value in headers.get_all(name, []):
            refs.extend(parse_msgid_list(str(value)))
    return own, refs
